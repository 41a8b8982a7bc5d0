import { http, type RequestHandler } from 'msw';
import { isPlainObject } from './canonical.js';
import { arrival, settle, type WorldContext } from './context.js';
import { json, jsonError, readJson } from './http.js';

/** The escalation sink (pager / on-call): `POST /escalations` → 202. */
export function escalationHandlers(ctx: WorldContext): RequestHandler[] {
  return [
    http.post(ctx.url('/escalations'), async ({ request }) => {
      const body = await readJson(request);
      const entry = ctx.ledger.record({
        ...arrival(ctx, request, 'escalations'),
        kind: 'escalation',
        body: body.ok ? body.value : body.text,
      });
      if (!body.ok || !isPlainObject(body.value))
        return settle(ctx, entry, jsonError(400, 'invalid_request', 'the body must be a JSON object'));
      return settle(ctx, entry, json(202, { id: ctx.ids.nextId('esc'), status: 'accepted' }));
    }),
  ];
}
