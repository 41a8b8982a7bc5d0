import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import {
  CallToolRequestSchema,
  type CallToolResult,
  ListToolsRequestSchema,
  type ListToolsResult,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import { http, type RequestHandler } from 'msw';
import type { OtherEntry } from '../../ledger/ledger.js';
import { stableTag } from '../../random.js';
import { isPlainObject } from '../canonical.js';
import { arrival, settle, settleBody, stamp, type WorldContext } from '../context.js';
import { json, readJson } from '../http.js';
import { type BearerVerdict, checkBearer, unauthorized } from './bearer.js';
import { listTools, schemaVersion } from './catalog.js';
import { executeTool, type ToolCallOutcome, type ToolFault } from './execute.js';

/** `_meta` keys the world reads and writes on MCP messages. */
export const MCP_META = {
  schemaVersion: 'agent-chaos/schema_version',
  effect: 'agent-chaos/effect',
  callId: 'agent-chaos/call_id',
} as const;

export interface McpEndpoint {
  handlers: RequestHandler[];
  /** Closes the session: open event streams end. */
  close(): Promise<void>;
}

interface RpcMessage {
  id?: unknown;
  method?: unknown;
  params?: unknown;
}

type RpcId = string | number;

/**
 * The tools over MCP Streamable HTTP at `/mcp`: one SDK server and one stateful transport per
 * world. The bearer is checked on every HTTP request before the transport sees it, and handed
 * to the tool handlers as the request's `authInfo`.
 */
export function mcpEndpoint(ctx: WorldContext): McpEndpoint {
  const server = new Server({ name: 'agent-chaos-world', version: '1.0.0' }, { capabilities: { tools: { listChanged: true } } });
  const transport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: () => `mcp-${stableTag(ctx.spec.seed, 'mcp-session', 24)}`,
    enableJsonResponse: true,
  });

  server.setRequestHandler(
    ListToolsRequestSchema,
    (): ListToolsResult => ({
      tools: listTools(ctx.catalog).map(
        (tool): Tool => ({
          name: tool.name,
          description: tool.description,
          inputSchema: tool.input_schema as Tool['inputSchema'],
          ...(tool.output_schema ? { outputSchema: tool.output_schema as Tool['outputSchema'] } : {}),
          _meta: { [MCP_META.effect]: tool.effect },
        }),
      ),
      _meta: { [MCP_META.schemaVersion]: schemaVersion(ctx.catalog) },
    }),
  );

  // Per JSON-RPC id of a tools/call in flight: the HTTP request that carried it (so a held call lets
  // go when the agent hangs up), and a fault that must answer that HTTP request instead.
  const carriers = new Map<RpcId, AbortSignal>();
  const httpFaults = new Map<RpcId, { fault: ToolFault; outcome: ToolCallOutcome }>();

  server.setRequestHandler(CallToolRequestSchema, async (request, extra): Promise<CallToolResult> => {
    const auth: BearerVerdict = extra.authInfo
      ? { ok: true, bearer: extra.authInfo.token, principal: extra.authInfo.clientId }
      : { ok: false, bearer: undefined, principal: undefined, rejected: 'missing_token' };
    const carrier = carriers.get(extra.requestId);
    const outcome = await executeTool(ctx, {
      transport: 'mcp',
      method: 'POST',
      path: '/mcp',
      startedAt: ctx.now(),
      name: request.params.name,
      args: request.params.arguments,
      sentCallId: sentCallId(request.params),
      auth,
      signal: AbortSignal.any(carrier ? [extra.signal, ctx.closing, carrier] : [extra.signal, ctx.closing]),
    });
    const fault = outcome.kind === 'fault' || outcome.kind === 'ran' ? outcome.fault : undefined;
    if (fault && fault.mcp !== 'result') {
      // Stamped with the HTTP answer the fault gives the whole request.
      httpFaults.set(extra.requestId, { fault, outcome });
    } else {
      // The answer travels in an HTTP 200 whatever the tool did; errors are in the result.
      stamp(ctx, outcome.entry, 200);
    }
    return mcpResult(outcome);
  });

  const connected = server.connect(transport);

  const handler = http.all(ctx.url('/mcp'), async ({ request }) => {
    const auth = checkBearer(request, ctx.identity);
    const body = request.method === 'POST' ? await readJson(request.clone()) : undefined;
    const messages = body?.ok ? rpcMessages(body.value) : [];
    const entries = sessionEntries(ctx, request, auth, messages, body === undefined);
    if (!auth.ok) {
      // Refused calls are recorded like any other call, so checks see every attempt.
      for (const message of messages.filter(isToolCall)) {
        const params = isPlainObject(message.params) ? message.params : {};
        const entry = await refusedCall(ctx, request, auth, params);
        stamp(ctx, entry, 401);
      }
      return settleAll(ctx, entries, unauthorized(auth.rejected));
    }
    await connected;
    const callIds = messages.filter(isToolCall).flatMap((m) => (typeof m.id === 'string' || typeof m.id === 'number' ? [m.id] : []));
    for (const id of callIds) carriers.set(id, request.signal);
    let response: Response;
    try {
      response = await transport.handleRequest(request, {
        ...(body?.ok ? { parsedBody: body.value } : {}),
        authInfo: { token: auth.bearer, clientId: auth.principal, scopes: [] },
      });
    } finally {
      for (const id of callIds) carriers.delete(id);
    }
    const faulted = callIds.flatMap((id) => {
      const hit = httpFaults.get(id);
      httpFaults.delete(id);
      return hit ? [hit] : [];
    });
    const first = faulted[0];
    if (!first) return settleAll(ctx, entries, response);
    // A faulted call answers its whole HTTP request: the MCP server seen as a flaky HTTP service.
    const answer = await first.fault.respond(first.fault.passThrough ? response : undefined);
    for (const { outcome } of faulted.slice(1)) stamp(ctx, outcome.entry, answer.status);
    return settleAll(ctx, entries, settleBody(ctx, first.outcome.entry, answer, request.signal));
  });

  return {
    handlers: [handler],
    async close() {
      await connected;
      await server.close();
    },
  };
}

// Ledger entries for everything in an HTTP request but tool calls, which `executeTool` records.
function sessionEntries(ctx: WorldContext, request: Request, auth: BearerVerdict, messages: RpcMessage[], noBody: boolean) {
  const base = {
    ...arrival(ctx, request, 'mcp'),
    kind: 'other' as const,
    bearer: auth.bearer,
    principal: auth.principal,
    ...(auth.ok ? {} : { rejected: auth.rejected }),
  };
  if (noBody) return [ctx.ledger.record({ ...base, note: request.method === 'GET' ? 'event stream' : `session ${request.method}` })];
  if (messages.length === 0) return [ctx.ledger.record({ ...base, note: 'unparsed message' })];
  return messages
    .filter((m) => !isToolCall(m))
    .map((m) =>
      ctx.ledger.record({
        ...base,
        note: typeof m.method === 'string' ? m.method : 'response',
        ...(m.method === 'tools/list' ? { schemaVersion: schemaVersion(ctx.catalog) } : {}),
      }),
    );
}

function settleAll(ctx: WorldContext, entries: OtherEntry[], response: Response): Response {
  for (const entry of entries) settle(ctx, entry, response);
  return response;
}

async function refusedCall(ctx: WorldContext, request: Request, auth: BearerVerdict, params: Record<string, unknown>) {
  const { method, path, startedAt } = arrival(ctx, request, 'mcp');
  const outcome = await executeTool(ctx, {
    transport: 'mcp',
    method,
    path,
    startedAt,
    name: typeof params.name === 'string' ? params.name : '',
    args: params.arguments,
    sentCallId: sentCallId(params),
    auth,
    signal: request.signal,
  });
  return outcome.entry;
}

function rpcMessages(value: unknown): RpcMessage[] {
  const list = Array.isArray(value) ? value : [value];
  return list.filter(isPlainObject);
}

function isToolCall(message: RpcMessage): boolean {
  return message.method === 'tools/call';
}

function sentCallId(params: { _meta?: unknown }): string | undefined {
  const meta = params._meta;
  const id = isPlainObject(meta) ? meta[MCP_META.callId] : undefined;
  return typeof id === 'string' && id !== '' ? id : undefined;
}

async function mcpResult(outcome: ToolCallOutcome): Promise<CallToolResult> {
  switch (outcome.kind) {
    case 'ran': {
      if (outcome.fault?.mcp === 'result') {
        const reshaped = await outcome.fault.respond(json(200, outcome.result ?? null));
        return { content: [{ type: 'text', text: await reshaped.text() }] };
      }
      const text = JSON.stringify(outcome.result) ?? 'null';
      return isPlainObject(outcome.result)
        ? { content: [{ type: 'text', text }], structuredContent: outcome.result }
        : { content: [{ type: 'text', text }] };
    }
    case 'fault': {
      // An HTTP-level fault replaces this result; only an in-band one is read here.
      if (outcome.fault.mcp !== 'result') return { content: [{ type: 'text', text: outcome.fault.name }], isError: true };
      const response = await outcome.fault.respond();
      return { content: [{ type: 'text', text: await response.text() }], isError: true };
    }
    case 'refused': {
      const code = outcome.reason === 'auth' ? outcome.rejected : outcome.reason === 'unknown_tool' ? 'unknown_tool' : 'invalid_arguments';
      const message = outcome.reason === 'unknown_tool' ? `no tool named "${outcome.entry.tool}"` : outcome.entry.error;
      return { content: [{ type: 'text', text: JSON.stringify({ error: message ? { code, message } : { code } }) }], isError: true };
    }
  }
}
