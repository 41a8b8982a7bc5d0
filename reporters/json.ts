import { HarnessError } from '../src/errors.js';
import type { CaseResult, RunInfo, RunSummary } from '../src/runner/results.js';
import { openReportFile, type ReportFile } from './file.js';
import type { Reporter, ReporterFactory } from './types.js';

/** The `format` field of a JSON results file. */
export const RESULTS_FORMAT = 'agent-chaos/results';
/** The `version` field of a JSON results file. */
export const RESULTS_VERSION = 1;

/** The whole JSON results document, as `report merge` reads it back. */
export interface ResultsDocument {
  format: typeof RESULTS_FORMAT;
  version: typeof RESULTS_VERSION;
  info: RunInfo;
  cases: CaseResult[];
  summary: RunSummary;
}

// Transcripts are `unknown`: a Map or Set in them would otherwise print as `{}` and a bigint
// would throw mid-run.
function jsonSafe(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Map) return Object.fromEntries(value);
  if (value instanceof Set) return [...value];
  return value;
}

// Shifted so that the pieces, joined, equal the whole document stringified with indent 2.
function nested(value: unknown, depth: number): string {
  return JSON.stringify(value, jsonSafe, 2).replace(/\n/g, `\n${'  '.repeat(depth)}`);
}

/**
 * Streams the run into one JSON document: the head at the start, each case as it ends, the tail
 * at the end, so memory stays flat. The bytes equal `JSON.stringify(document, null, 2)` + newline.
 */
export const jsonReporter: ReporterFactory = (options) => {
  const path = options.file ?? 'reports/results.json';
  let file: ReportFile | undefined;
  let written = 0;

  const output = (): ReportFile => {
    if (!file) throw new HarnessError('json reporter: onCaseEnd or onRunEnd before onRunStart');
    return file;
  };

  const reporter: Reporter = {
    name: 'json',
    async onRunStart(info) {
      file = await openReportFile(path);
      written = 0;
      const head = `{\n  "format": ${JSON.stringify(RESULTS_FORMAT)},\n  "version": ${RESULTS_VERSION},\n  "info": ${nested(info, 1)},\n  "cases": [`;
      await file.write(head);
    },
    async onCaseEnd(result) {
      await output().write(`${written === 0 ? '' : ','}\n    ${nested(result, 2)}`);
      written += 1;
    },
    async onRunEnd(summary) {
      const out = output();
      await out.write(`${written === 0 ? '' : '\n  '}],\n  "summary": ${nested(summary, 1)}\n}\n`);
      await out.close();
      file = undefined;
    },
  };
  return reporter;
};
