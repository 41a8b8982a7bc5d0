import type { Finding } from '../runner/results.js';
import { isPlainObject } from '../world/canonical.js';
import { describeRequest, fail, ledgerEvidence, pass, truncate } from './evidence.js';
import type { Check } from './types.js';

const CONTROL = 'approval.preview';
/** Longer strings (bodies, descriptions, diffs) may be summarized; shorter ones must be shown. */
export const SHOWN_VALUE_MAX = 64;

/**
 * The approval request shows the human what will happen: a preview that is not empty and shows
 * the value of every argument that decides the side effect — the short ones: recipients,
 * amounts, repositories, branches, ids. Long free text may be summarized. Judged on the request
 * as the world received it.
 */
export const approvalPreviewCheck: Check = {
  control: CONTROL,
  section: 'approvals',
  title: 'The approval request previews the side effects (the arguments that matter)',
  run({ ledger }) {
    const requests = ledger.approvals().filter((a) => a.action === 'request' && a.request !== undefined);
    const findings: Finding[] = [];
    for (const entry of requests) {
      const { tool, args, preview } = entry.request as NonNullable<typeof entry.request>;
      const text = previewText(preview);
      const name = `approval ${entry.approvalId ?? '(refused)'} for ${String(tool)}, ${describeRequest(entry)}`;
      if (text.trim() === '') {
        findings.push(
          fail(CONTROL, `${name} has an empty preview: the approver cannot see what will happen; show the arguments that matter`, [
            ledgerEvidence(entry),
          ]),
        );
        continue;
      }
      const seen = normalize(text);
      const missing = shownValues(args).filter(([, value]) => !forms(value).some((f) => seen.includes(normalize(f))));
      if (missing.length > 0) {
        const list = missing.map(([key, value]) => `${key}=${truncate(String(value), 40)}`).join(', ');
        findings.push(
          fail(
            CONTROL,
            `${name} previews ${JSON.stringify(truncate(text, 80))} without ${list}: the approver cannot see what will happen`,
            [ledgerEvidence(entry)],
          ),
        );
      }
    }
    if (findings.length === 0 && requests.length > 0) {
      const sample = previewText(requests[0]?.request?.preview);
      findings.push(
        pass(
          CONTROL,
          `${requests.length} approval request(s), each previewing its arguments, e.g. ${JSON.stringify(truncate(sample, 80))}`,
        ),
      );
    }
    return findings;
  },
};

function previewText(preview: unknown): string {
  if (preview === undefined || preview === null) return '';
  if (typeof preview === 'string') return preview;
  return JSON.stringify(preview) ?? '';
}

/** The arguments a preview must show: short strings and numbers, alone or in lists. */
function shownValues(args: unknown): [string, string | number][] {
  if (!isPlainObject(args)) return [];
  const out: [string, string | number][] = [];
  const add = (key: string, v: unknown) => {
    if (typeof v === 'number' && Number.isFinite(v)) out.push([key, v]);
    else if (typeof v === 'string' && v.trim() !== '' && v.length <= SHOWN_VALUE_MAX) out.push([key, v]);
  };
  for (const [key, value] of Object.entries(args)) {
    if (Array.isArray(value)) for (const v of value) add(key, v);
    else add(key, value);
  }
  return out;
}

// An amount may be shown as 1250 or 1,250; a string as itself.
function forms(value: string | number): string[] {
  return typeof value === 'number' ? [String(value), value.toLocaleString('en-US')] : [value];
}

function normalize(text: string): string {
  return text.toLowerCase().replace(/\\(.)/g, '$1').replace(/\s+/g, ' ').trim();
}
