import type { ToolEntry } from '../../ledger/ledger.js';
import { bearerOf, jsonError } from '../http.js';
import type { Identity } from '../identity.js';

export type BearerRejection = Exclude<NonNullable<ToolEntry['rejected']>, 'unknown_tool'>;

export type BearerVerdict =
  | { ok: true; bearer: string; principal: string }
  | { ok: false; bearer: string | undefined; principal: string | undefined; rejected: BearerRejection };

const REJECTION = { missing: 'missing_token', invalid: 'invalid_token', expired: 'token_expired', revoked: 'token_revoked' } as const;

/** The one bearer rule of the tools, REST and MCP alike: a token this world issued, live and not revoked. */
export function checkBearer(request: Request, identity: Identity): BearerVerdict {
  const bearer = bearerOf(request);
  const { status, principal } = identity.validate(bearer);
  if (status === 'ok') return { ok: true, bearer: bearer!, principal: principal! };
  return { ok: false, bearer, principal, rejected: REJECTION[status] };
}

/** The 401 for a refused bearer. A missing token answers `invalid_token`, as RFC 6750 has it. */
export function unauthorized(rejected: BearerRejection): Response {
  const code = rejected === 'missing_token' ? 'invalid_token' : rejected;
  return jsonError(401, code, undefined, { 'www-authenticate': `Bearer error="invalid_token"` });
}
