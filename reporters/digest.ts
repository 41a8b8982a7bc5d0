import type { CaseError, CaseResult, CaseStatus, Finding } from '../src/runner/results.js';

/** One measured figure of one finding. */
export interface Figure {
  control: string;
  name: string;
  value: number;
}

/**
 * What the whole-run reporters (JUnit, readiness) keep of a case until the run ends: no
 * transcript, no agent output, no evidence of passing findings, so memory stays small.
 */
export interface CaseDigest {
  index: number;
  id: string;
  title: string;
  pack: string;
  controls: string[];
  seed: number;
  status: CaseStatus;
  replay: string;
  adapter: CaseResult['adapter'];
  durationMs: number;
  /** The failing findings, with their evidence. */
  failures: Finding[];
  error?: CaseError;
  skipReason?: string;
  figures: Figure[];
}

/** Reduces a case result to its digest. */
export function digestCase(result: CaseResult): CaseDigest {
  const figures = result.findings.flatMap((finding) =>
    Object.entries(finding.figures ?? {}).map(([name, value]) => ({ control: finding.control, name, value })),
  );
  return {
    index: result.index,
    id: result.id,
    title: result.title,
    pack: result.pack,
    controls: [...result.controls],
    seed: result.seed,
    status: result.status,
    replay: result.replay,
    adapter: result.adapter,
    durationMs: result.durationMs,
    failures: result.findings.filter((finding) => finding.status === 'fail'),
    ...(result.error ? { error: result.error } : {}),
    ...(result.skipReason !== undefined ? { skipReason: result.skipReason } : {}),
    figures,
  };
}
