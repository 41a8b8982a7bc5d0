import { gunzipSync } from 'node:zlib';
import { http, type RequestHandler } from 'msw';
import { arrival, settle, type WorldContext } from './context.js';
import { json, jsonError } from './http.js';

/**
 * The OTLP/HTTP trace receiver (`POST /otlp/v1/traces`, JSON, optionally gzip). It keeps what it
 * is sent in the ledger; `auditFromOtlp` maps the spans to audit records when the run is judged.
 */
export function otlpHandlers(ctx: WorldContext): RequestHandler[] {
  return [
    http.post(ctx.url('/otlp/v1/traces'), async ({ request }) => {
      const start = arrival(ctx, request, 'otlp');
      const text = await bodyText(request);
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // Kept as text: the audit reports it as an export that is not OTLP JSON.
      }
      const entry = ctx.ledger.record({ ...start, kind: 'other', note: 'traces', body });
      if (typeof body === 'string') {
        return settle(ctx, entry, jsonError(400, 'invalid_request', 'expected OTLP/HTTP JSON (Content-Type: application/json)'));
      }
      return settle(ctx, entry, json(200, {}));
    }),
  ];
}

async function bodyText(request: Request): Promise<string> {
  const bytes = Buffer.from(await request.arrayBuffer());
  if (!/gzip/i.test(request.headers.get('content-encoding') ?? '')) return bytes.toString('utf8');
  try {
    return gunzipSync(bytes).toString('utf8');
  } catch {
    return bytes.toString('utf8');
  }
}
