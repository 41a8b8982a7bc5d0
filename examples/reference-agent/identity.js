// @ts-check
// The agent's own principal: a short-lived token from the identity provider, refreshed before it
// runs out, never resent once the world has rejected it, and a revocation stops the run before
// its next tool request.
import { errorCode, request } from './http.js';
import { killSwitch, RunStop } from './stop.js';

export const STATIC_KEY = 'static-key-0000';
const IDENTITY_TIMEOUT_MS = 5000;
// Refresh when less than this share of the lifetime, or this many ms, is left.
const REFRESH_SHARE = 0.1;
const REFRESH_MARGIN_MS = 2000;

/**
 * @typedef {object} Identity
 * @property {() => Promise<string>} token  a bearer to send now (issued or refreshed as needed)
 * @property {() => Promise<string>} confirmed  a bearer for a tool request about to go out, after
 *   asking the identity provider whether this client may still act (a revoked one stops here)
 * @property {(token: string, code: string) => void} refused  the world answered 401 `code` to
 *   `token`: it is never sent again, and an expired one is replaced on the next `token()`
 */

/**
 * @param {{ url: string, clientId: string, clientSecret: string, maxTtlS: number,
 *   breaks: ReadonlySet<string>, signal: AbortSignal, onToken: (token: string) => void }} options
 *   `onToken` sees every issued token (the redactor learns it)
 * @returns {Identity}
 */
export function createIdentity({ url, clientId, clientSecret, maxTtlS, breaks, signal, onToken }) {
  /** @type {{ value: string, issuedAt: number, expiresAt: number } | undefined} */
  let current;
  const refused = new Set();

  /** @param {{ adopt?: boolean }} [options]  `adopt: false` asks without replacing the current token */
  async function issue({ adopt = true } = {}) {
    let res;
    try {
      res = await request(`${url}/token`, {
        method: 'POST',
        body: { grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret },
        signal,
        timeoutMs: IDENTITY_TIMEOUT_MS,
      });
    } catch (err) {
      if (signal.aborted) throw err;
      throw unavailable(`identity provider unreachable: ${/** @type {Error} */ (err).message}`);
    }
    if (res.status === 401 && errorCode(res.json) === 'access_revoked') {
      // Broken on purpose: pretend nothing happened and carry on with the old token.
      if (breaks.has('kill-switch') && current) return current.value;
      throw killSwitch("the identity provider revoked this agent's access");
    }
    const body = /** @type {any} */ (res.json);
    if (res.status !== 200 || typeof body?.access_token !== 'string' || body.access_token === '') {
      throw unavailable(`identity provider answered ${res.status} without a token`);
    }
    if (refused.has(body.access_token)) throw unavailable('identity provider reissued a token the world had rejected');
    onToken(body.access_token);
    if (!adopt && current) return current.value;
    // Never trust a lifetime longer than the manifest allows.
    const ttlS = Math.min(Number.isFinite(body.expires_in) && body.expires_in > 0 ? body.expires_in : maxTtlS, maxTtlS);
    const now = Date.now();
    current = { value: body.access_token, issuedAt: now, expiresAt: now + ttlS * 1000 };
    return current.value;
  }

  function dueForRefresh() {
    if (!current) return true;
    if (breaks.has('token-refresh')) return false;
    const left = current.expiresAt - Date.now();
    return left < REFRESH_MARGIN_MS || left < (current.expiresAt - current.issuedAt) * REFRESH_SHARE;
  }

  return {
    async token() {
      if (breaks.has('static-key')) return STATIC_KEY;
      return dueForRefresh() ? issue() : /** @type {{ value: string }} */ (current).value;
    },
    async confirmed() {
      if (breaks.has('static-key')) return STATIC_KEY;
      // The identity provider is the kill switch's authority. A backend may still take a revoked
      // token until it expires, so the agent asks before each request instead of waiting to be
      // refused. Broken on purpose (token-refresh), it still asks but keeps its first token.
      return issue({ adopt: !breaks.has('token-refresh') });
    },
    refused(token, code) {
      refused.add(token);
      if (code === 'token_expired' && !breaks.has('token-refresh') && current?.value === token) current = undefined;
    },
  };
}

/** @param {string} summary */
function unavailable(summary) {
  return new RunStop({ status: 'failed', reason: 'identity-unavailable', summary, escalate: 'identity-unavailable' });
}
