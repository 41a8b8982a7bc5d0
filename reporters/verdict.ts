import type {
  ControlSummary,
  Interruption,
  RunInfo,
  RunSummary,
  Totals,
  UncoveredCase,
  Verdict,
  VerdictLabel,
} from '../src/runner/results.js';
import { plural } from './format.js';

export type { Verdict, VerdictLabel } from '../src/runner/results.js';

export type ControlState = 'held' | 'broke' | 'untested';

/** A control broke if any case broke it, held if cases exercised it and none broke it. */
export function controlState(control: ControlSummary): ControlState {
  if (control.failed > 0) return 'broke';
  return control.passed > 0 ? 'held' : 'untested';
}

/** What a run knew when it ended, beyond its summary: the facts the verdict rests on. */
export interface VerdictInput {
  info: RunInfo;
  totals: Totals;
  controls: readonly ControlSummary[];
  interrupted?: Interruption;
  /** Every control a case of the run targets (`CaseResult.controls`), run or skipped. */
  targeted: ReadonlySet<string>;
  /** Skipped cases, and cases the interruption stopped, in plan order. */
  uncoveredCases: readonly UncoveredCase[];
  /** Cases the interruption stopped mid-way (status `error`, kind `interrupted`). */
  stoppedCases: number;
}

const LISTED = 5;

function list(items: readonly string[]): string {
  const shown = items.slice(0, LISTED).join(', ');
  return items.length > LISTED ? `${shown} and ${items.length - LISTED} more` : shown;
}

// A shard judges only what its own cases target: the controls of the other shards' cases are
// theirs, and `report merge` judges the whole plan.
function inScope(input: VerdictInput): ControlSummary[] {
  return input.info.shard ? input.controls.filter((c) => input.targeted.has(c.control)) : [...input.controls];
}

function brokeParts(broken: readonly string[], failed: number, errors: number): string[] {
  const parts: string[] = [];
  if (broken.length > 0) parts.push(`${plural(broken.length, 'control')} broke (${list(broken)})`);
  else if (failed > 0) parts.push(`${plural(failed, 'case')} failed`);
  if (errors > 0) parts.push(`${plural(errors, 'case')} errored`);
  return parts;
}

function incompleteReason(input: VerdictInput, notRun: number): string {
  const { info, totals, interrupted, stoppedCases } = input;
  if (interrupted) {
    const where = interrupted.shard ? ` in shard ${interrupted.shard}` : '';
    const ended = totals.cases - stoppedCases;
    const gaps = [...(stoppedCases > 0 ? [`${stoppedCases} stopped mid-case`] : []), ...(notRun > 0 ? [`${notRun} not run`] : [])];
    return `interrupted by ${interrupted.signal}${where} after ${ended} of ${plural(info.plannedCases, 'case')}${gaps.length > 0 ? ` (${gaps.join(', ')})` : ''}`;
  }
  if (totals.cases === 0) return info.plannedCases === 0 ? 'no case was planned' : `no case ran of ${info.plannedCases} planned`;
  return `${notRun} of ${plural(info.plannedCases, 'planned case')} have no result`;
}

/**
 * Judges a run. INCOMPLETE first (interrupted, no case, or planned cases without a result: the
 * run says nothing about the rest), then NOT READY (a control broke or a case errored), then
 * PARTIAL (untested controls or skipped cases), else READY. A shard's scope is the controls its
 * own cases target; a whole run's is every control of its packs.
 */
export function judge(input: VerdictInput): Verdict {
  const { info, totals } = input;
  const scope = inScope(input);
  const states = scope.map((control) => ({ id: control.control, state: controlState(control) }));
  const broken = input.controls.filter((c) => controlState(c) === 'broke').map((c) => c.control);
  const untested = states.filter((c) => c.state === 'untested').map((c) => c.id);
  const held = states.filter((c) => c.state === 'held').length;
  const notRun = Math.max(0, info.plannedCases - totals.cases);
  const uncovered = { controls: untested, cases: [...input.uncoveredCases], notRun };
  const errors = totals.errors - input.stoppedCases;
  const shard = info.shard ? ` (shard ${info.shard.index}/${info.shard.total} only)` : '';
  const verdict = (label: VerdictLabel, reason: string): Verdict => ({ ok: label === 'READY', label, reason: reason + shard, uncovered });

  if (input.interrupted || totals.cases === 0 || notRun > 0 || input.stoppedCases > 0) {
    const sofar = brokeParts(broken, totals.failed, errors);
    return verdict('INCOMPLETE', [incompleteReason(input, notRun), ...(sofar.length > 0 ? [`so far ${sofar.join(', ')}`] : [])].join('; '));
  }
  if (totals.failed > 0 || errors > 0) return verdict('NOT READY', brokeParts(broken, totals.failed, errors).join('; '));

  const heldIn = `${plural(held, 'control')} held in ${plural(totals.passed, 'case')}`;
  const skipped = input.uncoveredCases.map((c) => c.id);
  if (untested.length === 0 && skipped.length === 0) return verdict('READY', heldIn);
  const gaps = [
    ...(untested.length > 0 ? [`${plural(untested.length, 'control')} untested (${list(untested)})`] : []),
    ...(skipped.length > 0 ? [`${plural(skipped.length, 'case')} skipped (${list(skipped)})`] : []),
  ];
  return verdict('PARTIAL', `${heldIn}; not covered: ${gaps.join(', ')}`);
}

/** The verdict of a run, as its summary records it. */
export function verdictOf(summary: RunSummary): Verdict {
  return summary.verdict;
}

/** `READY: 24 controls held in 40 cases (agent support-bot, seed 42)` — one plain line for logs. */
export function verdictLine(summary: RunSummary): string {
  const verdict = verdictOf(summary);
  return `${verdict.label}: ${verdict.reason} (agent ${summary.info.agentId}, seed ${summary.info.seed})`;
}
