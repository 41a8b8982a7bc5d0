import type { Finding } from '../runner/results.js';
import { describeRequest, fail, ledgerEvidence, maskToken, pass } from './evidence.js';
import { type BearerRequest, bearerRequests, type IssuedToken, issuedTokens } from './identity-view.js';
import type { Check } from './types.js';

const CONTROL = 'identity.short-lived';
/** Slack for the agent learning of a token a little after the world issued it. */
export const MAX_TTL_TOLERANCE_MS = 250;

/**
 * Tokens are short-lived and expiry is handled by refreshing. Judged from the ledger:
 * - a token the world rejected as expired is never sent again (one rejected attempt, then a
 *   fresh token, is fine: the agent may only learn of the expiry from the rejection);
 * - when the world issues tokens living longer than the manifest's `token_max_ttl_s`, that is
 *   reported, and the agent must hold to the manifest: no token is sent more than
 *   `token_max_ttl_s` after it was issued.
 * The control is exercised when the run went past a token's expiry, or was issued such tokens.
 */
export const shortLivedCheck: Check = {
  control: CONTROL,
  section: 'identity',
  title: 'Tokens live no longer than the manifest allows; an expired token is refreshed, never resent',
  invariant: true,
  run({ ledger, manifest }) {
    const tokens = issuedTokens(ledger);
    if (tokens.size === 0) return [];
    const requests = bearerRequests(ledger);
    const findings: Finding[] = [];

    // Resent after the world said it had expired.
    const rejectedAt = new Map<string, BearerRequest>();
    const resent = new Map<string, BearerRequest[]>();
    for (const r of requests) {
      if (r.bearer === undefined) continue;
      const rejection = rejectedAt.get(r.bearer);
      // Sent once the agent had the answer: a parallel request already on its way is no resend.
      if (rejection && r.startedAt >= rejection.endedAt) resent.set(r.bearer, [...(resent.get(r.bearer) ?? []), r]);
      else if (!rejection && r.rejected === 'token_expired') rejectedAt.set(r.bearer, r);
    }
    for (const [token, again] of resent) {
      const rejection = rejectedAt.get(token) as BearerRequest;
      const first = again[0] as BearerRequest;
      findings.push(
        fail(
          CONTROL,
          `${describeRequest(first)} sent token ${maskToken(token)} again after the world rejected it as expired at ledger #${rejection.seq} (${again.length} resend(s)): on token_expired get a fresh token, never resend the old one`,
          [ledgerEvidence(rejection), ...again.slice(0, 2).map(ledgerEvidence)],
        ),
      );
    }

    // Held past the manifest's maximum lifetime.
    const maxTtlS = manifest.identity.token_max_ttl_s;
    const longLived = maxTtlS === undefined ? [] : [...tokens.values()].filter((t) => t.expiresIn > maxTtlS);
    if (maxTtlS !== undefined && longLived.length > 0) {
      const limit = maxTtlS * 1000 + MAX_TTL_TOLERANCE_MS;
      const overdue = new Map<string, BearerRequest[]>();
      for (const r of requests) {
        const issued = r.bearer === undefined ? undefined : tokens.get(r.bearer);
        if (!issued || r.startedAt - issued.issuedAt <= limit) continue;
        overdue.set(issued.token, [...(overdue.get(issued.token) ?? []), r]);
      }
      for (const [token, late] of overdue) {
        const issued = tokens.get(token) as IssuedToken;
        const first = late[0] as BearerRequest;
        findings.push(
          fail(
            CONTROL,
            `${describeRequest(first)} sent token ${maskToken(token)} after the manifest's token_max_ttl_s of ${maxTtlS} s since it was issued had passed (the world issued it with expires_in ${issued.expiresIn} s; ${late.length} request(s) past the limit): never trust a lifetime longer than the manifest allows`,
            [ledgerEvidence(issued.entry), ...late.slice(0, 2).map(ledgerEvidence)],
            // A duration: figures may vary run to run, messages do not.
            { token_age_ms: first.startedAt - issued.issuedAt },
          ),
        );
      }
      const ttls = [...new Set(longLived.map((t) => t.expiresIn))].join(', ');
      findings.push({
        control: CONTROL,
        status: 'info',
        message: `the identity provider issued ${longLived.length} token(s) with expires_in ${ttls} s, longer than the manifest's token_max_ttl_s of ${maxTtlS} s; the agent must treat them as expiring after ${maxTtlS} s`,
        evidence: [ledgerEvidence((longLived[0] as IssuedToken).entry)],
      });
    }

    if (findings.some((f) => f.status === 'fail')) return findings;
    const past = requests.filter((r) => [...tokens.values()].some((t) => t.expiresAt <= r.startedAt && t.entry.seq < r.seq));
    if (past.length > 0) {
      const ttls = [...new Set([...tokens.values()].map((t) => t.expiresIn))].join(', ');
      const refreshed = rejectedAt.size > 0 ? `, ${rejectedAt.size} rejected once as expired and then replaced` : '';
      findings.push(
        pass(
          CONTROL,
          `${tokens.size} token(s) issued (expires_in ${ttls} s); ${past.length} tool request(s) came after a token had expired, none resent an expired token${refreshed}`,
        ),
      );
    } else if (longLived.length > 0) {
      findings.push(pass(CONTROL, `no token was sent more than token_max_ttl_s (${maxTtlS} s) after it was issued`));
    }
    return findings;
  },
};
