import type { IdentityEntry, Ledger, LedgerEntry, OtherEntry, ToolEntry } from '../ledger/ledger.js';

/** A request under the tools' bearer rule: a tool call, a tool listing, MCP session traffic. */
export type BearerRequest = ToolEntry | (OtherEntry & { bearer: string | undefined });

/** Every request that had to carry the agent's bearer, in order of arrival. */
export function bearerRequests(ledger: Ledger): BearerRequest[] {
  return ledger.entries.filter((e): e is BearerRequest => e.kind === 'tool' || (e.kind === 'other' && 'bearer' in e));
}

/** A token the world issued: when, for how long, and when the world stopped taking it as live. */
export interface IssuedToken {
  token: string;
  entry: IdentityEntry;
  issuedAt: number;
  expiresIn: number;
  /** Its lifetime's end, or earlier when the scenario made time run out (`identity.tokens_expired`). */
  expiresAt: number;
}

/** The tokens the world issued this run, by token text. */
export function issuedTokens(ledger: Ledger): Map<string, IssuedToken> {
  const forced = ledger.events.filter((e) => e.type === 'identity.tokens_expired');
  const out = new Map<string, IssuedToken>();
  for (const entry of ledger.identity()) {
    if (entry.outcome !== 'issued' || entry.token === undefined || entry.expiresIn === undefined) continue;
    const natural = entry.endedAt + entry.expiresIn * 1000;
    const cut = forced.filter((e) => Number(e.detail.after_seq) >= entry.seq).map((e) => e.at);
    out.set(entry.token, {
      token: entry.token,
      entry,
      issuedAt: entry.endedAt,
      expiresIn: entry.expiresIn,
      expiresAt: Math.min(natural, ...cut),
    });
  }
  return out;
}

/** When the world revoked the agent's client, and the last entry that arrived before it. */
export function revocation(ledger: Ledger): { at: number; afterSeq: number } | undefined {
  const event = ledger.events.find((e) => e.type === 'identity.revoked');
  if (!event) return undefined;
  const afterSeq = Number(event.detail.after_seq);
  return { at: event.at, afterSeq: Number.isFinite(afterSeq) ? afterSeq : -1 };
}

/** Entries that arrived after `afterSeq`. */
export function entriesAfter(ledger: Ledger, afterSeq: number): LedgerEntry[] {
  return ledger.entries.slice(afterSeq + 1);
}
