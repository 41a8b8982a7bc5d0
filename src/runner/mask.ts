import { maskValue } from '../adversary/canary-detect.js';
import type { CaseSpec } from './case.js';
import type { CaseResult } from './results.js';

/**
 * The result with every canary of the case masked everywhere in it (findings, agent output,
 * transcript), before any reporter sees it: reports never hold a whole secret.
 */
export function maskResult(result: CaseResult, spec: CaseSpec): CaseResult {
  const canaries = spec.security?.canaries ?? [];
  return canaries.length > 0 ? maskValue(result, canaries) : result;
}
