import type { RunSummary } from './results.js';
import { runSuite, type SuiteOptions } from './run.js';

/**
 * Runs exactly one fuzz case's counterexample again: the case id and run seed select the case
 * (its fast-check seed derives from them), the path selects the shrunk response. What
 * `run --case ID --seed S --fuzz-path P` does, for commands (such as `replay`) that delegate.
 */
export function replayFuzzCase(
  options: Omit<SuiteOptions, 'only' | 'fuzz' | 'seed' | 'shard'> & { caseId: string; seed: number; path: string },
): Promise<RunSummary> {
  const { caseId, seed, path, ...rest } = options;
  return runSuite({ ...rest, only: [caseId], seed, fuzz: { path } });
}
