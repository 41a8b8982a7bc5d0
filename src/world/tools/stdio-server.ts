import type { Readable, Writable } from 'node:stream';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import {
  CallToolRequestSchema,
  CallToolResultSchema,
  ListToolsRequestSchema,
  ListToolsResultSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { HarnessError } from '../../errors.js';
import type { World } from '../world.js';
import { schemaVersion } from './catalog.js';

export interface StdioServeOptions {
  world: World;
  stdin?: Readable;
  stdout?: Writable;
  /** Server name announced to the client. */
  name?: string;
  /** Aborting it ends the server, as the client hanging up does. */
  signal?: AbortSignal;
}

/**
 * Serves one world's tools as a standalone MCP server over stdio, for agents that spawn their
 * MCP servers. Every request goes through the world's own MCP endpoint (in memory, with the
 * world's own credentials), so hostile behaviour, faults and the ledger are exactly those of a
 * run; a changed catalog (rug pull) is announced with `notifications/tools/list_changed`.
 * Resolves when the client hangs up.
 */
export async function serveWorldOverStdio(options: StdioServeOptions): Promise<void> {
  const { world } = options;
  const inMemory = (input: string | URL, init?: RequestInit) => world.handle(new Request(input, init));
  const token = await issueToken(world, inMemory);
  const client = new Client({ name: 'agent-chaos-stdio-bridge', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${world.baseUrl}/mcp`), {
      fetch: inMemory,
      requestInit: { headers: { authorization: `Bearer ${token}` } },
    }),
  );

  const server = new Server(
    { name: options.name ?? 'agent-chaos-world', version: '1.0.0' },
    { capabilities: { tools: { listChanged: true } } },
  );
  let listed = schemaVersion(world.catalog);
  server.setRequestHandler(ListToolsRequestSchema, async (request) => {
    listed = schemaVersion(world.catalog);
    return client.request({ method: 'tools/list', params: request.params }, ListToolsResultSchema);
  });
  server.setRequestHandler(CallToolRequestSchema, async (request) => {
    // Forwarded as is: the bridge must not validate results, or malformed ones would never reach the agent.
    const result = await client.request({ method: 'tools/call', params: request.params }, CallToolResultSchema);
    if (schemaVersion(world.catalog) !== listed) await server.sendToolListChanged().catch(() => {});
    return result;
  });

  const closed = new Promise<void>((resolve) => {
    server.onclose = () => resolve();
  });
  const stdin = options.stdin ?? process.stdin;
  // The client hanging up (stdin ends) ends the server; the SDK's transport does not notice it.
  const hangUp = () => void server.close();
  stdin.once('end', hangUp);
  options.signal?.addEventListener('abort', hangUp, { once: true });
  try {
    await server.connect(new StdioServerTransport(stdin, options.stdout));
    await closed;
  } finally {
    stdin.off('end', hangUp);
    options.signal?.removeEventListener('abort', hangUp);
  }
  await client.close().catch(() => {});
}

async function issueToken(world: World, fetchIn: (input: string, init?: RequestInit) => Promise<Response>): Promise<string> {
  const res = await fetchIn(`${world.baseUrl}/identity/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ grant_type: 'client_credentials', client_id: world.clientId, client_secret: world.clientSecret }),
  });
  const body = (await res.json().catch(() => ({}))) as { access_token?: unknown };
  if (res.status !== 200 || typeof body.access_token !== 'string') throw new HarnessError(`the world issued no token (HTTP ${res.status})`);
  return body.access_token;
}
