// @ts-check
// Human approval for protected tools: ask with a preview a person can judge, wait (bounded) for the
// decision, and check it again right before acting, so a revocation in between still stops it.
import { isDeepStrictEqual } from 'node:util';
import { request, sleep } from './http.js';

const POLL_MS = 25;
const REQUEST_TIMEOUT_MS = 5000;

/**
 * @typedef {{ approved: boolean, decision: string, reason: string }} ApprovalOutcome
 * @typedef {import('./audit.js').AuditWrite} AuditWrite
 */

/**
 * Asks for approval and waits for it. Only `approved`, confirmed by a second look, lets the call
 * run, and only with exactly the arguments that were shown.
 * @param {{ url: string, runId: string | undefined, callId: string, tool: string, args: Record<string, unknown>,
 *   preview: string, timeoutMs: number, signal: AbortSignal, audit: AuditWrite }} req
 * @returns {Promise<ApprovalOutcome>}
 */
export async function seekApproval({ url, runId, callId, tool, args, preview, timeoutMs, signal, audit }) {
  const created = await call(url, 'POST', signal, { run_id: runId, call_id: callId, tool, args, preview });
  const id = created?.id;
  if (typeof id !== 'string' && typeof id !== 'number') {
    return { approved: false, decision: 'none', reason: 'the approval service did not take the request' };
  }
  await audit('approval.requested', { approval_id: id, call_id: callId, tool, preview });

  const itemUrl = `${url}/${encodeURIComponent(String(id))}`;
  const decided = await waitForDecision(itemUrl, created, timeoutMs, signal);
  await logDecision(audit, id, decided);
  if (decided?.status !== 'approved') return refused(decided);
  if (decided.args !== undefined && !isDeepStrictEqual(decided.args, args)) {
    return { approved: false, decision: 'approved', reason: 'the approval is for different arguments' };
  }

  const again = await call(itemUrl, 'GET', signal);
  if (again?.status !== 'approved') {
    // Changed its mind after saying yes: that is a decision too, and the audit says so.
    const latest = again ?? { status: 'unknown' };
    await logDecision(audit, id, latest);
    return refused(latest);
  }
  return { approved: true, decision: 'approved', reason: 'approved' };
}

/**
 * Polls until the status is no longer pending. Running out of time means expired: the agent
 * never acts on silence.
 * @param {string} itemUrl @param {any} first @param {number} timeoutMs @param {AbortSignal} signal
 */
async function waitForDecision(itemUrl, first, timeoutMs, signal) {
  const deadline = Date.now() + timeoutMs;
  let latest = first;
  while (!latest || latest.status === 'pending' || typeof latest.status !== 'string') {
    if (Date.now() >= deadline) return { status: 'expired', approver: null, decided_at: new Date().toISOString(), timed_out: true };
    await sleep(POLL_MS, signal);
    latest = await call(itemUrl, 'GET', signal);
  }
  return latest;
}

/** @param {AuditWrite} audit @param {unknown} id @param {any} d */
function logDecision(audit, id, d) {
  return audit('approval.decided', {
    approval_id: id,
    decision: d.status,
    approver: d.approver ?? null,
    decided_at: d.decided_at ?? new Date().toISOString(),
    // A decision the agent reached itself (it stopped waiting) is marked as such.
    ...(d.timed_out ? { reason: 'no decision within approval_timeout_ms' } : {}),
  });
}

/** @param {any} d @returns {ApprovalOutcome} */
function refused(d) {
  return { approved: false, decision: String(d?.status), reason: `approval ${d?.status}` };
}

/**
 * A failed request is "no answer" (undefined): polling tries again, the rest treats it as no.
 * @param {string} url @param {'GET' | 'POST'} method @param {AbortSignal} signal @param {unknown} [body]
 */
async function call(url, method, signal, body) {
  try {
    const res = await request(url, { method, body, signal, timeoutMs: REQUEST_TIMEOUT_MS });
    return res.status >= 200 && res.status < 300 && res.json && typeof res.json === 'object' ? /** @type {any} */ (res.json) : undefined;
  } catch (err) {
    if (signal.aborted) throw err;
    return undefined;
  }
}

// The arguments a human needs to see to know what will happen, in the order they matter.
const PREVIEW_KEYS = [
  'to',
  'recipient',
  'recipients',
  'cc',
  'amount',
  'currency',
  'account',
  'destination',
  'repo',
  'repository',
  'branch',
  'base',
  'head',
  'title',
  'ticket_id',
  'id',
  'path',
  'url',
  'channel',
  'user',
  'role',
  'policy',
];
const DIFF_KEYS = ['diff', 'patch', 'changes', 'files'];
const MAX_VALUE = 80;
const MAX_PREVIEW = 400;

/**
 * A one-line summary of a tool call's side effects, e.g.
 * `create_pr repo=acme/web branch=fix/login title="Fix login" diff: 2 files, +12 -3`.
 * @param {string} tool @param {Record<string, unknown>} args
 */
export function buildPreview(tool, args) {
  const parts = [tool];
  const keys = [...PREVIEW_KEYS.filter((k) => k in args), ...Object.keys(args).filter((k) => !PREVIEW_KEYS.includes(k))];
  for (const key of keys) {
    if (DIFF_KEYS.includes(key)) continue;
    const v = args[key];
    if (typeof v === 'string' && v.length > MAX_VALUE) parts.push(`${key}: ${v.length} chars "${oneLine(v).slice(0, 40)}…"`);
    else if (typeof v === 'string') parts.push(/[\s"]/.test(v) ? `${key}=${JSON.stringify(oneLine(v))}` : `${key}=${v}`);
    else if (v !== undefined) parts.push(`${key}=${oneLine(JSON.stringify(v)).slice(0, MAX_VALUE)}`);
  }
  const diff = DIFF_KEYS.map((k) => args[k]).find((v) => v !== undefined);
  if (diff !== undefined) parts.push(`diff: ${summarizeDiff(diff)}`);
  const line = parts.join(' ');
  return line.length > MAX_PREVIEW ? `${line.slice(0, MAX_PREVIEW - 1)}…` : line;
}

/** @param {unknown} diff */
function summarizeDiff(diff) {
  if (Array.isArray(diff)) {
    const paths = diff.map((f) => (typeof f === 'string' ? f : (f?.path ?? f?.filename))).filter(Boolean);
    return `${diff.length} files${paths.length ? ` (${paths.slice(0, 5).join(', ')})` : ''}`;
  }
  const text = typeof diff === 'string' ? diff : JSON.stringify(diff);
  const lines = text.split('\n');
  const files = new Set(lines.filter((l) => l.startsWith('+++ ')).map((l) => l.slice(4).replace(/^b\//, '')));
  const added = lines.filter((l) => l.startsWith('+') && !l.startsWith('+++')).length;
  const removed = lines.filter((l) => l.startsWith('-') && !l.startsWith('---')).length;
  return `${files.size || 1} file${files.size > 1 ? 's' : ''}${files.size ? ` (${[...files].slice(0, 5).join(', ')})` : ''}, +${added} -${removed}`;
}

/** @param {string} text */
function oneLine(text) {
  return text.replace(/\s+/g, ' ').trim();
}
