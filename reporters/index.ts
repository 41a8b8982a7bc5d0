export { consoleReporter } from './console.js';
export { type CaseDigest, digestCase, type Figure } from './digest.js';
export { fanOut } from './fan-out.js';
export {
  caseError,
  errorLines,
  type FailureLineOptions,
  type FindingGroup,
  failureLines,
  findingHeadline,
  findingLines,
  formatDuration,
  groupFindings,
  groupHeadline,
  groupLines,
  messageShape,
  printable,
  rankFindings,
  STATUS_MARK,
} from './format.js';
export { jsonReporter, RESULTS_FORMAT, RESULTS_VERSION, type ResultsDocument } from './json.js';
export { junitReporter } from './junit.js';
export { mergeResults } from './merge.js';
export { readinessReporter } from './readiness.js';
export { BUILTIN_REPORTERS, loadReporter } from './registry.js';
export { type RecordedRun, replayIntoReporters } from './replay.js';
export {
  type ControlInfo,
  type ControlState,
  controlState,
  createSummarizer,
  type RunTiming,
  type Summarizer,
  summarize,
} from './summary.js';
export type { Reporter, ReporterFactory, ReporterOptions } from './types.js';
export { type Verdict, verdictLine, verdictOf } from './verdict.js';
