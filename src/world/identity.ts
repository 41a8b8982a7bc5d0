import { http, type RequestHandler } from 'msw';
import type { IdentityEntry } from '../ledger/ledger.js';
import { stableTag } from '../random.js';
import { isPlainObject } from './canonical.js';
import { arrival, type Draft, settle, type WorldContext } from './context.js';
import { json, jsonError, readJson } from './http.js';

/** What the world makes of a bearer token. */
export type BearerStatus = 'ok' | 'missing' | 'invalid' | 'expired' | 'revoked';

export interface BearerValidation {
  status: BearerStatus;
  /** The client the token was issued to, whenever the world issued it (also when expired or revoked). */
  principal: string | undefined;
}

interface IssuedToken {
  principal: string;
  expiresAt: number;
}

export interface IdentityOptions {
  seed: number;
  clientId: string;
  clientSecret: string;
  /** Lifetime of issued tokens, seconds. */
  ttlS: number;
  now(): number;
}

/** The identity provider's state: the agent's one client, the tokens issued to it, revocation. */
export class Identity {
  readonly #tokens = new Map<string, IssuedToken>();
  #revoked = false;

  constructor(readonly options: IdentityOptions) {}

  get revoked(): boolean {
    return this.#revoked;
  }

  /** Kill switch: every token issued so far stops working and no new one is issued. */
  revoke(): void {
    this.#revoked = true;
  }

  authenticate(clientId: unknown, clientSecret: unknown): 'ok' | 'bad_credentials' | 'access_revoked' {
    if (clientId !== this.options.clientId || clientSecret !== this.options.clientSecret) return 'bad_credentials';
    return this.#revoked ? 'access_revoked' : 'ok';
  }

  /** Time runs out for every token issued so far: from now on each is expired (token_expired). */
  expireAll(): void {
    const now = this.options.now();
    for (const issued of this.#tokens.values()) issued.expiresAt = Math.min(issued.expiresAt, now);
  }

  issue(): { token: string; expiresIn: number } {
    // Token n of a seed is always the same text, so replays and ledgers compare exactly.
    const token = `act_${stableTag(this.options.seed, `token:${this.#tokens.size + 1}`, 32)}`;
    this.#tokens.set(token, { principal: this.options.clientId, expiresAt: this.options.now() + this.options.ttlS * 1000 });
    return { token, expiresIn: this.options.ttlS };
  }

  validate(token: string | undefined): BearerValidation {
    if (token === undefined) return { status: 'missing', principal: undefined };
    const issued = this.#tokens.get(token);
    if (!issued) return { status: 'invalid', principal: undefined };
    if (this.#revoked) return { status: 'revoked', principal: issued.principal };
    if (this.options.now() >= issued.expiresAt) return { status: 'expired', principal: issued.principal };
    return { status: 'ok', principal: issued.principal };
  }
}

/**
 * `POST /identity/token`, OAuth client credentials. Credentials are read from a JSON body (the
 * contract), a form body or HTTP Basic, because real OAuth clients use the latter two.
 */
export function identityHandlers(ctx: WorldContext): RequestHandler[] {
  return [
    http.post(ctx.url('/identity/token'), async ({ request }) => {
      const entry = ctx.ledger.record<Draft<IdentityEntry>>({
        ...arrival(ctx, request, 'identity'),
        kind: 'identity',
        clientId: undefined,
        outcome: 'bad_request',
      });
      const form = await credentialsOf(request);
      entry.clientId = typeof form.client_id === 'string' ? form.client_id : undefined;
      if (form.grant_type !== 'client_credentials') {
        return settle(ctx, entry, jsonError(400, 'unsupported_grant_type', 'grant_type must be client_credentials'));
      }
      const verdict = ctx.identity.authenticate(form.client_id, form.client_secret);
      if (verdict !== 'ok') {
        entry.outcome = verdict;
        return settle(ctx, entry, jsonError(401, verdict === 'access_revoked' ? 'access_revoked' : 'invalid_client'));
      }
      const { token, expiresIn } = ctx.identity.issue();
      Object.assign(entry, { outcome: 'issued', token, expiresIn });
      return settle(ctx, entry, json(200, { access_token: token, token_type: 'Bearer', expires_in: expiresIn }));
    }),
  ];
}

async function credentialsOf(request: Request): Promise<Record<string, unknown>> {
  const body = await readJson(request);
  let fields: Record<string, unknown> = {};
  if (body.ok && isPlainObject(body.value)) fields = body.value;
  else if (!body.ok) fields = Object.fromEntries(new URLSearchParams(body.text));
  const basic = /^basic\s+(.+)$/i.exec(request.headers.get('authorization') ?? '');
  if (basic && fields.client_id === undefined) {
    const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon >= 0)
      fields = { ...fields, client_id: unescapeForm(decoded.slice(0, colon)), client_secret: unescapeForm(decoded.slice(colon + 1)) };
  }
  return fields;
}

// RFC 6749 §2.3.1 form-encodes Basic credentials; a malformed escape is kept as sent.
function unescapeForm(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}
