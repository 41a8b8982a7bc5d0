import type {
  CaseResult,
  CaseStatus,
  ControlSummary,
  InjectionExposure,
  InjectionTally,
  Interruption,
  RunInfo,
  RunSummary,
  Totals,
  UncoveredCase,
} from '../src/runner/results.js';
import { compareSections, compareText } from './sections.js';
import { judge } from './verdict.js';

export { type ControlState, controlState } from './verdict.js';

/** A known control: its id, the section (pack) it belongs to, and its title. */
export interface ControlInfo {
  id: string;
  section: string;
  title: string;
}

/** When the run ended and how long it took, and what stopped it early if anything did. */
export interface RunTiming {
  finishedAt: string;
  durationMs: number;
  /** The run was stopped before every planned case had ended: its verdict is INCOMPLETE. */
  interrupted?: Interruption;
}

/** Tallies cases one at a time, so a caller can summarize a streamed run without keeping it. */
export interface Summarizer {
  add(result: CaseResult): void;
  finish(timing: RunTiming): RunSummary;
}

const TOTAL_OF: Record<CaseStatus, Exclude<keyof Totals, 'cases'>> = {
  passed: 'passed',
  failed: 'failed',
  error: 'errors',
  skipped: 'skipped',
};

/**
 * Starts a summary of a run. Every catalog control of a pack in the run is listed, even if no
 * case exercised it: an untested control is a gap the readiness report must show.
 */
export function createSummarizer(info: RunInfo, catalog: readonly ControlInfo[]): Summarizer {
  const totals: Totals = { cases: 0, passed: 0, failed: 0, errors: 0, skipped: 0 };
  const known = new Map(catalog.map((control, position) => [control.id, { ...control, position }]));
  const tallies = new Map<string, ControlSummary>();
  const injections = new Map<string, InjectionTally>();
  const targeted = new Set<string>();
  const uncoveredCases: UncoveredCase[] = [];
  let stoppedCases = 0;

  const tally = (control: string, fallbackSection: string): ControlSummary => {
    let entry = tallies.get(control);
    if (!entry) {
      const meta = known.get(control);
      entry = { control, section: meta?.section ?? fallbackSection, title: meta?.title ?? control, passed: 0, failed: 0 };
      tallies.set(control, entry);
    }
    return entry;
  };

  const packs = new Set<string>(info.packs);
  for (const control of catalog) if (packs.has(control.section)) tally(control.id, control.section);

  return {
    add(result) {
      totals.cases += 1;
      totals[TOTAL_OF[result.status]] += 1;
      for (const control of result.controls) targeted.add(control);
      if (result.status === 'skipped') uncoveredCases.push({ id: result.id, reason: result.skipReason ?? 'skipped' });
      if (result.status === 'error' && result.error?.kind === 'interrupted') {
        stoppedCases += 1;
        uncoveredCases.push({ id: result.id, reason: result.error.message });
      }
      // An errored or skipped case was never judged, so it neither holds nor breaks a control.
      if (result.status !== 'passed' && result.status !== 'failed') return;
      const judged = result.findings.filter((f) => f.status !== 'info');
      const broke = new Set(judged.filter((f) => f.status === 'fail').map((f) => f.control));
      const covered = new Set([...result.controls, ...judged.map((f) => f.control)]);
      for (const control of covered) {
        const entry = tally(control, result.pack);
        if (broke.has(control)) entry.failed += 1;
        else entry.passed += 1;
      }
      for (const finding of result.findings) if (finding.injection) tallyInjection(injections, finding.injection);
    },
    finish(timing) {
      const position = (id: string) => known.get(id)?.position ?? catalog.length;
      const controls = [...tallies.values()]
        .map((entry) => ({ ...entry }))
        .sort(
          (a, b) => compareSections(a.section, b.section) || position(a.control) - position(b.control) || compareText(a.control, b.control),
        );
      const verdict = judge({
        info,
        totals,
        controls,
        ...(timing.interrupted ? { interrupted: timing.interrupted } : {}),
        targeted,
        uncoveredCases,
        stoppedCases,
      });
      return {
        info,
        totals: { ...totals },
        controls,
        ...(injections.size > 0
          ? { injections: [...injections.values()].map((t) => ({ ...t })).sort((a, b) => compareText(a.technique, b.technique)) }
          : {}),
        finishedAt: timing.finishedAt,
        durationMs: timing.durationMs,
        ok: totals.failed === 0 && totals.errors === 0 && verdict.label !== 'INCOMPLETE',
        ...(timing.interrupted ? { interrupted: { ...timing.interrupted } } : {}),
        verdict,
      };
    },
  };
}

const REACHED_COUNT = { 'kept-out': 'keptOut', encoded: 'encoded', transformed: 'transformed', verbatim: 'verbatim' } as const;

function tallyInjection(tallies: Map<string, InjectionTally>, exposure: InjectionExposure): void {
  let tally = tallies.get(exposure.technique);
  if (!tally) {
    tally = { technique: exposure.technique, delivered: 0, keptOut: 0, encoded: 0, transformed: 0, verbatim: 0, obeyed: 0, harmed: 0 };
    tallies.set(exposure.technique, tally);
  }
  tally.delivered += 1;
  tally[REACHED_COUNT[exposure.reached]] += 1;
  if (exposure.obeyed) tally.obeyed += 1;
  if (exposure.harmed) tally.harmed += 1;
}

/** The injection tallies of a run added up over every technique. */
export function injectionTotals(tallies: readonly InjectionTally[]): InjectionTally {
  const total: InjectionTally = {
    technique: 'all',
    delivered: 0,
    keptOut: 0,
    encoded: 0,
    transformed: 0,
    verbatim: 0,
    obeyed: 0,
    harmed: 0,
  };
  for (const t of tallies) {
    for (const key of ['delivered', 'keptOut', 'encoded', 'transformed', 'verbatim', 'obeyed', 'harmed'] as const) total[key] += t[key];
  }
  return total;
}

/**
 * Summarizes a run: totals, and per control how many cases held it and broke it. The runner
 * and `report merge` both use this, so a merged run reads exactly like a single one.
 */
export function summarize(
  info: RunInfo,
  cases: Iterable<CaseResult>,
  controlCatalog: readonly ControlInfo[],
  timing: RunTiming,
): RunSummary {
  const summarizer = createSummarizer(info, controlCatalog);
  for (const result of cases) summarizer.add(result);
  return summarizer.finish(timing);
}
