import { extname } from 'node:path';
import { UsageError } from '../src/errors.js';
import { type CaseDigest, digestCase } from './digest.js';
import type { Doc } from './document.js';
import { writeReportFile } from './file.js';
import { renderHtml } from './html.js';
import { renderMarkdown } from './markdown.js';
import { readinessDocument } from './readiness-document.js';
import type { ReporterFactory } from './types.js';

const RENDERERS: Record<string, (doc: Doc) => string> = {
  '.md': renderMarkdown,
  '.markdown': renderMarkdown,
  '.html': renderHtml,
  '.htm': renderHtml,
};

/**
 * Writes the readiness report: verdict, per-section and per-control tables, failures with
 * evidence and replay commands, errors, skipped cases, figures. The file extension picks the
 * format: `.md` (default `reports/readiness.md`) or `.html` (self-contained).
 */
export const readinessReporter: ReporterFactory = (options) => {
  const path = options.file ?? 'reports/readiness.md';
  const render = RENDERERS[extname(path).toLowerCase()];
  if (!render) {
    throw new UsageError(`readiness report "${path}": use a .md or .html file (got "${extname(path) || 'no extension'}")`);
  }
  let cases: CaseDigest[] = [];
  return {
    name: 'readiness',
    onRunStart() {
      cases = [];
    },
    onCaseEnd(result) {
      cases.push(digestCase(result));
    },
    async onRunEnd(summary) {
      await writeReportFile(path, render(readinessDocument(summary, cases)));
      cases = [];
    },
  };
};
