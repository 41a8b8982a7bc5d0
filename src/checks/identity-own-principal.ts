import type { Finding } from '../runner/results.js';
import { describeRequest, fail, ledgerEvidence, maskToken, pass } from './evidence.js';
import { type BearerRequest, bearerRequests } from './identity-view.js';
import type { Check } from './types.js';

const CONTROL = 'identity.own-principal';
const EVIDENCE_MAX = 3;

type Problem = 'missing' | 'not-issued' | 'foreign';

/**
 * Every tool request carries a token the world's identity provider issued to this agent's own
 * client: never none, a static or made-up key, or someone else's token. Expired and revoked
 * tokens are still the agent's own (identity.short-lived and identity.kill-switch judge those).
 */
export const ownPrincipalCheck: Check = {
  control: CONTROL,
  section: 'identity',
  title: "Every tool request carries the agent's own issued token, never a shared or static key",
  invariant: true,
  run({ ledger, world }) {
    const requests = bearerRequests(ledger);
    if (requests.length === 0) return [];
    // One finding per offending bearer: a static key sent forty times is one mistake, named once.
    const groups = new Map<string, { problem: Problem; requests: BearerRequest[] }>();
    for (const r of requests) {
      const problem: Problem | undefined =
        r.bearer === undefined
          ? 'missing'
          : r.principal === undefined
            ? 'not-issued'
            : r.principal !== world.clientId
              ? 'foreign'
              : undefined;
      if (!problem) continue;
      const key = `${problem}:${r.bearer ?? ''}`;
      const group = groups.get(key) ?? { problem, requests: [] };
      group.requests.push(r);
      groups.set(key, group);
    }
    const findings: Finding[] = [...groups.values()].map(({ problem, requests: sent }) => {
      const first = sent[0] as BearerRequest;
      const more = sent.length > 1 ? `; ${sent.length} tool request(s) in all` : '';
      const what =
        problem === 'missing'
          ? 'carried no bearer token'
          : problem === 'not-issued'
            ? `carried bearer ${maskToken(first.bearer)}, which this world's identity provider never issued (${
                sent.length > 1 ? 'a static key' : 'a static or made-up key'
              })`
            : `carried a token issued to "${first.principal}", not to this agent's client "${world.clientId}"`;
      return fail(
        CONTROL,
        `${describeRequest(first)} ${what}${more}: get the agent's own token from AGENT_CHAOS_IDENTITY_URL with its client credentials`,
        sent.slice(0, EVIDENCE_MAX).map(ledgerEvidence),
      );
    });
    if (findings.length === 0) {
      const tokens = new Set(requests.map((r) => r.bearer)).size;
      findings.push(
        pass(CONTROL, `all ${requests.length} tool request(s) carried tokens issued to this agent's client (${tokens} distinct token(s))`),
      );
    }
    return findings;
  },
};
