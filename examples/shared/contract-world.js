// @ts-check
// The contract's endpoints that are neither model nor tools: identity (client credentials),
// approvals (a human) and escalations (on-call). Plain fetch: no framework has an opinion here.

/** Ends the run: `stopped` when a guard stopped it (kill switch, budget), `failed` when it could not go on. */
export class RunStop extends Error {
  /**
   * @param {{ status: 'stopped' | 'failed', reason: string, summary: string, escalate?: string }} stop
   */
  constructor({ status, reason, summary, escalate }) {
    super(summary);
    this.name = 'RunStop';
    this.status = status;
    this.reason = reason;
    this.escalate = escalate;
  }
}

/** @param {string} summary */
export function killSwitch(summary) {
  return new RunStop({ status: 'stopped', reason: 'kill-switch', summary, escalate: 'kill-switch' });
}

/** The `error.code` of a contract error body, if any. @param {unknown} body */
export function errorCode(body) {
  const code = /** @type {any} */ (body)?.error?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * @typedef {object} Identity
 * @property {() => Promise<string>} token  the bearer to send: issued, and refreshed before its
 *   lifetime (capped at the manifest's `token_max_ttl_s`) runs out
 * @property {() => Promise<void>} confirmLive  asks the identity provider whether this client may
 *   still act; a revoked client stops the run here. A backend may take a revoked token until it
 *   expires, so this is asked before every tool request rather than waiting to be refused.
 * @property {(token: string, code: string) => void} refused  the world answered 401 `code`:
 *   an expired token is dropped (the next `token()` is fresh); anything else is the kill switch
 */

/**
 * @param {{ env: Record<string, string | undefined>, maxTtlS: number, signal: AbortSignal }} options
 * @returns {Identity}
 */
export function createIdentity({ env, maxTtlS, signal }) {
  /** @type {{ token: string, issuedAt: number, expiresAt: number } | undefined} */
  let current;

  async function issue() {
    const res = await fetch(`${env.AGENT_CHAOS_IDENTITY_URL}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        grant_type: 'client_credentials',
        client_id: env.AGENT_CHAOS_CLIENT_ID,
        client_secret: env.AGENT_CHAOS_CLIENT_SECRET,
      }),
      signal,
    });
    const body = await res.json().catch(() => undefined);
    if (res.status === 401 && errorCode(body) === 'access_revoked') throw killSwitch("the identity provider revoked this agent's access");
    if (!res.ok || typeof body?.access_token !== 'string') {
      throw new RunStop({
        status: 'failed',
        reason: 'identity-unavailable',
        summary: `the identity provider answered ${res.status} without a token`,
        escalate: 'identity-unavailable',
      });
    }
    // Never trust a lifetime longer than the manifest allows.
    const ttlS = Math.min(typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : maxTtlS, maxTtlS);
    const issuedAt = Date.now();
    return { token: body.access_token, issuedAt, expiresAt: issuedAt + ttlS * 1000 };
  }

  return {
    async token() {
      // Refresh with a tenth of the lifetime left.
      if (!current || Date.now() > current.expiresAt - (current.expiresAt - current.issuedAt) / 10) current = await issue();
      return current.token;
    },
    async confirmLive() {
      await issue();
    },
    refused(token, code) {
      if (code !== 'token_expired') throw killSwitch(`the world rejected this agent's token (${code}); stopped at once`);
      if (current?.token === token) current = undefined;
    },
  };
}

/**
 * Asks a human, and waits: `POST /approvals`, then polls until decided or the manifest's approval
 * timeout (silence is not consent). An approval is looked at once more right before the action,
 * since it can be revoked after it was given.
 * @param {{ env: Record<string, string | undefined>, runId: string, callId: string, tool: string,
 *   args: Record<string, unknown>, timeoutMs: number, signal: AbortSignal,
 *   audit: import('./contract-audit.js').Audit }} options
 * @returns {Promise<{ approved: true } | { approved: false, reason: string }>}
 */
export async function seekApproval({ env, runId, callId, tool, args, timeoutMs, signal, audit }) {
  const url = env.AGENT_CHAOS_APPROVALS_URL;
  const preview = previewOf(tool, args);
  const filed = await fetch(url ?? '', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ run_id: runId, call_id: callId, tool, args, preview }),
    signal,
  });
  const request = await filed.json().catch(() => undefined);
  if (filed.status !== 201 || typeof request?.id !== 'string') {
    return { approved: false, reason: `the approval service answered ${filed.status}; not approved` };
  }
  const id = request.id;
  audit('approval.requested', { approval_id: id, call_id: callId, tool, preview });

  /** @returns {Promise<any>} */
  const poll = async () => (await fetch(`${url}/${encodeURIComponent(id)}`, { signal })).json();
  const deadline = Date.now() + timeoutMs;
  let answer = await poll();
  while (answer?.status === 'pending' && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    answer = await poll();
  }
  const decide = (/** @type {any} */ a) =>
    audit('approval.decided', { approval_id: id, decision: a.status, approver: a.approver ?? null, decided_at: a.decided_at ?? null });

  if (answer?.status === 'pending') {
    audit('approval.decided', { approval_id: id, decision: 'expired', approver: null, decided_at: new Date().toISOString() });
    return { approved: false, reason: `nobody decided within ${timeoutMs} ms` };
  }
  decide(answer);
  if (answer?.status !== 'approved') return { approved: false, reason: `the approver's answer was ${answer?.status}` };
  const again = await poll();
  if (again?.status !== 'approved') {
    decide(again);
    return { approved: false, reason: `the approval was ${again?.status} before the action ran` };
  }
  return { approved: true };
}

/**
 * One line the approver reads: the tool and every argument that decides the side effect (long
 * text is cut, short values are shown whole).
 * @param {string} tool @param {Record<string, unknown>} args
 */
export function previewOf(tool, args) {
  const show = (/** @type {unknown} */ v) => {
    const text = typeof v === 'string' ? v : JSON.stringify(v);
    return text.length > 64 ? `${text.slice(0, 61)}...` : text;
  };
  return `${tool}(${Object.entries(args)
    .map(([k, v]) => `${k}=${show(v)}`)
    .join(', ')})`;
}

/**
 * Tells on-call, and logs that it did.
 * @param {{ env: Record<string, string | undefined>, runId: string, reason: string, summary: string,
 *   target: string, audit: import('./contract-audit.js').Audit }} options
 */
export async function escalate({ env, runId, reason, summary, target, audit }) {
  const res = await fetch(env.AGENT_CHAOS_ESCALATIONS_URL ?? '', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ run_id: runId, reason, summary }),
  }).catch(() => undefined);
  audit('escalated', { reason, target, ...(res?.ok ? {} : { delivered: false }) });
}
