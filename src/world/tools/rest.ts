import { http, type RequestHandler } from 'msw';
import { arrival, settle, settleBody, type WorldContext } from '../context.js';
import { json, jsonError, readJson } from '../http.js';
import { checkBearer, unauthorized } from './bearer.js';
import { listTools, schemaVersion } from './catalog.js';
import { executeTool, type ToolCallOutcome } from './execute.js';

/** Header an agent may send to name the model tool call a request answers. */
export const CALL_ID_HEADER = 'x-agent-chaos-call-id';

/** The tools over REST: `GET /tools` and `POST /tools/{name}` (contract §3). */
export function restToolHandlers(ctx: WorldContext): RequestHandler[] {
  return [
    http.get(ctx.url('/tools'), ({ request }) => {
      const auth = checkBearer(request, ctx.identity);
      const version = schemaVersion(ctx.catalog);
      const entry = ctx.ledger.record({
        ...arrival(ctx, request, 'tools'),
        kind: 'other',
        note: 'tools/list',
        bearer: auth.bearer,
        principal: auth.principal,
        schemaVersion: version,
        ...(auth.ok ? {} : { rejected: auth.rejected }),
      });
      if (!auth.ok) return settle(ctx, entry, unauthorized(auth.rejected));
      return settle(ctx, entry, json(200, { schema_version: version, tools: listTools(ctx.catalog) }));
    }),

    http.post<{ name: string }>(ctx.url('/tools/:name'), async ({ request, params }) => {
      const { method, path, startedAt } = arrival(ctx, request, 'tools');
      const body = await readJson(request);
      const outcome = await executeTool(ctx, {
        transport: 'rest',
        method,
        path,
        startedAt,
        name: params.name,
        args: body.ok ? body.value : body.text,
        ...(body.ok ? {} : { rawText: body.text, malformed: 'invalid JSON body' }),
        sentCallId: request.headers.get(CALL_ID_HEADER) ?? undefined,
        auth: checkBearer(request, ctx.identity),
        signal: AbortSignal.any([request.signal, ctx.closing]),
      });
      const response = await restResponse(outcome);
      return 'fault' in outcome && outcome.fault
        ? settleBody(ctx, outcome.entry, response, request.signal)
        : settle(ctx, outcome.entry, response);
    }),
  ];
}

async function restResponse(outcome: ToolCallOutcome): Promise<Response> {
  switch (outcome.kind) {
    case 'ran':
      return outcome.fault ? outcome.fault.respond(json(200, outcome.result)) : json(200, outcome.result);
    case 'fault':
      return outcome.fault.respond();
    case 'refused':
      if (outcome.reason === 'auth') return unauthorized(outcome.rejected);
      if (outcome.reason === 'unknown_tool') return jsonError(404, 'unknown_tool', `no tool named "${outcome.entry.tool}"`);
      return jsonError(400, 'invalid_arguments', outcome.entry.error);
  }
}
