import type { CaseResult, ControlSummary, RunInfo, RunSummary } from '../src/runner/results.js';
import { type Palette, paletteFor } from './colors.js';
import {
  CONTROL_MARK,
  caseError,
  errorLines,
  failureLines,
  formatDuration,
  injectionSentence,
  plural,
  printable,
  STATUS_MARK,
} from './format.js';
import { groupBySection } from './sections.js';
import { type ControlState, controlState, injectionTotals } from './summary.js';
import type { ReporterFactory } from './types.js';
import { verdictLine } from './verdict.js';

const EVIDENCE_SHOWN = 3;
const STDERR_LINES_SHOWN = 8;
const DETAIL_INDENT = '    ';

function header(info: RunInfo): string {
  const parts = [
    `${info.tool.name} ${info.tool.version}`,
    `agent ${info.agentId}`,
    `seed ${info.seed}`,
    plural(info.plannedCases, 'case'),
    info.adapter,
  ];
  if (info.shard) parts.push(`shard ${info.shard.index}/${info.shard.total}`);
  return parts.join(' · ');
}

function caseLines(result: CaseResult, color: Palette, verbose: boolean): string[] {
  const time = color.dim(formatDuration(result.durationMs));
  const indent = (lines: string[]) => lines.map((line) => DETAIL_INDENT + line);
  switch (result.status) {
    case 'passed':
      return [`${color.green(STATUS_MARK.passed)} ${result.id}  ${time}`];
    case 'failed': {
      const failures = result.findings.filter((finding) => finding.status === 'fail');
      const detail = failureLines(failures, result.replay, {
        controls: result.controls,
        ...(verbose ? {} : { maxEvidence: EVIDENCE_SHOWN }),
      });
      return [`${color.red(STATUS_MARK.failed)} ${result.id}  ${time}`, ...indent(detail)];
    }
    case 'error': {
      const detail = errorLines(caseError(result), result.replay, verbose ? undefined : STDERR_LINES_SHOWN);
      return [`${color.yellow(STATUS_MARK.error)} ${result.id}  ${time}`, ...indent(detail)];
    }
    case 'skipped':
      return [color.dim(`${STATUS_MARK.skipped} ${result.id}  skipped: ${printable(result.skipReason ?? 'no reason given')}`)];
  }
}

const EGRESS_SHOWN = 3;

// An in-process agent stalled on a download it was refused says nothing itself: say it for it.
function egressLines(result: CaseResult, color: Palette): string[] {
  const egress = result.egress ?? [];
  if (egress.length === 0 || result.status === 'skipped') return [];
  const total = egress.reduce((n, e) => n + e.count, 0);
  const shown = egress.slice(0, EGRESS_SHOWN).map((e) => `${e.method} ${printable(e.url)}${e.count > 1 ? ` (×${e.count})` : ''}`);
  const more = egress.length > EGRESS_SHOWN ? `, and ${egress.length - EGRESS_SHOWN} more` : '';
  return [color.dim(`${DETAIL_INDENT}refused ${plural(total, 'request')} to hosts outside the world: ${shown.join(', ')}${more}`)];
}

interface Row {
  label: string;
  held: number;
  broke: number;
  state: ControlState;
}

const controlRow = (label: string, control: ControlSummary): Row => ({
  label,
  held: control.passed,
  broke: control.failed,
  state: controlState(control),
});

// One row per section, with the held/broke case counts of its controls; a broken control gets
// its own row beneath, so a passing run stays a few lines. `verbose` lists every control.
function controlRows(controls: ControlSummary[], verbose: boolean): Row[] {
  return groupBySection(controls, (control) => control.section).flatMap(({ section, items }) => {
    const total: ControlSummary = {
      control: section,
      section,
      title: section,
      passed: items.reduce((sum, control) => sum + control.passed, 0),
      failed: items.reduce((sum, control) => sum + control.failed, 0),
    };
    const listed = verbose ? items : items.filter((control) => controlState(control) === 'broke');
    return [
      controlRow(`${section} (${plural(items.length, 'control')})`, total),
      ...listed.map((control) => controlRow(`  ${control.control}`, control)),
    ];
  });
}

// The verdict names the first few gaps; a run that is not READY for want of coverage lists all.
function untestedLine(summary: RunSummary): string[] {
  const { label, uncovered } = summary.verdict;
  if (uncovered.controls.length === 0 || label !== 'PARTIAL') return [];
  return [`Untested controls: ${uncovered.controls.join(', ')}`];
}

function summaryLines(summary: RunSummary, color: Palette, verbose: boolean): string[] {
  const rows = controlRows(summary.controls, verbose);
  const width = Math.max('Controls'.length, ...rows.map((row) => row.label.length)) + 2;
  const cell = (value: number | string) => String(value).padStart(6);
  const table = rows.map((row) => {
    const paint = { held: color.green, broke: color.red, untested: color.dim }[row.state];
    const mark = paint(CONTROL_MARK[row.state]);
    return `${mark} ${row.label.padEnd(width)}${cell(row.held)}${cell(row.broke)}`;
  });
  const { totals } = summary;
  const counts = [
    color.green(`${totals.passed} passed`),
    totals.failed > 0 ? color.red(`${totals.failed} failed`) : `${totals.failed} failed`,
    totals.errors > 0 ? color.yellow(plural(totals.errors, 'error')) : plural(totals.errors, 'error'),
    `${totals.skipped} skipped`,
  ];
  return [
    '',
    color.bold(`  ${'Controls'.padEnd(width)}${cell('held')}${cell('broke')}`),
    ...table,
    ...(summary.injections?.length ? [`Injections: ${injectionSentence(injectionTotals(summary.injections))}`] : []),
    `${plural(totals.cases, 'case')}: ${counts.join(', ')} in ${formatDuration(summary.durationMs)}`,
    ...untestedLine(summary),
    verdictLine(summary),
  ];
}

/**
 * Prints each case as it ends (details for failures and errors, with the replay command), then
 * a per-control table and a final plain verdict line. Colour only on a terminal without NO_COLOR.
 */
export const consoleReporter: ReporterFactory = (options) => {
  const stream = options.stream ?? process.stdout;
  const verbose = options.verbose ?? false;
  const color = paletteFor(stream);
  const print = (lines: string[]) => {
    stream.write(`${lines.join('\n')}\n`);
  };
  return {
    name: 'console',
    onRunStart(info) {
      print([color.dim(header(info))]);
    },
    onCaseEnd(result) {
      print([...caseLines(result, color, verbose), ...egressLines(result, color)]);
    },
    onRunEnd(summary) {
      print(summaryLines(summary, color, verbose));
    },
  };
};
