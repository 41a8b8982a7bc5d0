import type { CaseResult, RunInfo, RunSummary } from '../src/runner/results.js';

/**
 * A reporter receives the run as it happens: the start, each case in plan order, the end.
 * Reporters are found by name in one registry; custom ones load from a module path whose
 * default export is a `ReporterFactory`.
 */
export interface Reporter {
  readonly name: string;
  onRunStart?(info: RunInfo): void | Promise<void>;
  onCaseEnd?(result: CaseResult): void | Promise<void>;
  onRunEnd?(summary: RunSummary): void | Promise<void>;
}

export interface ReporterOptions {
  /** Output file, for reporters that write one. */
  file?: string;
  /** Stream for reporters that print (the console reporter). */
  stream?: NodeJS.WritableStream;
  /** Print extra detail. */
  verbose?: boolean;
}

export type ReporterFactory = (options: ReporterOptions) => Reporter;
