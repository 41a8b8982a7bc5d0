import { arrival, settle, type WorldContext } from './context.js';
import { jsonError } from './http.js';

/**
 * A request under the run path that no endpoint knows (a made-up URL, a link the agent followed):
 * recorded with its body, since what an agent sends anywhere is evidence, and answered 404.
 */
export async function unhandled(ctx: WorldContext, request: Request): Promise<Response> {
  const text = await request.text().catch(() => '');
  const entry = ctx.ledger.record({
    ...arrival(ctx, request, 'unhandled'),
    kind: 'other',
    note: 'no handler',
    ...(text ? { body: text } : {}),
  });
  return settle(ctx, entry, jsonError(404, 'not_found', `nothing at ${request.method} ${entry.path}`));
}
