import { http, type RequestHandler } from 'msw';
import { arrival, settle, type WorldContext } from './context.js';
import { json, readJson } from './http.js';

/**
 * The OTLP/HTTP trace receiver. For now it only keeps what it is sent (JSON parsed, anything
 * else as text); mapping spans to audit records comes later.
 */
export function otlpHandlers(ctx: WorldContext): RequestHandler[] {
  return [
    http.post(ctx.url('/otlp/v1/traces'), async ({ request }) => {
      const body = await readJson(request);
      const entry = ctx.ledger.record({
        ...arrival(ctx, request, 'otlp'),
        kind: 'other',
        note: 'traces',
        body: body.ok ? body.value : body.text,
      });
      return settle(ctx, entry, json(200, {}));
    }),
  ];
}
