import type { CaseResult, RunInfo, RunSummary } from '../src/runner/results.js';
import { fanOut } from './fan-out.js';
import type { Reporter } from './types.js';

/** A finished run as the JSON reporter records it (and `mergeResults` joins it). */
export interface RecordedRun {
  info: RunInfo;
  cases: CaseResult[];
  summary: RunSummary;
}

/**
 * Feeds a recorded run to reporters as if it were happening: the start, each case in plan
 * order, the end. This is how a merged run becomes one JUnit file and one readiness report.
 */
export async function replayIntoReporters(run: RecordedRun, reporters: readonly Reporter[]): Promise<void> {
  const reporter = fanOut(reporters);
  await reporter.onRunStart?.(run.info);
  for (const result of [...run.cases].sort((a, b) => a.index - b.index)) await reporter.onCaseEnd?.(result);
  await reporter.onRunEnd?.(run.summary);
}
