import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import OpenAI from 'openai';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createWorld, type HostedWorld, type World, WorldHost } from '../../../src/world/index.js';
import { call, issueToken, makeManifest, makeSpec } from './helpers.js';

const hosts: WorldHost[] = [];

async function startHost(): Promise<WorldHost> {
  const host = new WorldHost();
  hosts.push(host);
  await host.start();
  return host;
}

function attachWorld(host: WorldHost, spec = makeSpec()): World {
  const slot = host.allocate();
  const world = createWorld({ spec, manifest: makeManifest(), runPath: slot.runPath, baseUrl: slot.baseUrl });
  host.attach(world);
  return world;
}

afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.close()));
});

describe('WorldHost bridge', () => {
  it('gives each run a loopback base URL under an unguessable key, and routes by it', async () => {
    const host = await startHost();
    const a = attachWorld(host);
    const b = attachWorld(host);
    expect(a.baseUrl).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${host.port}/run/1-[0-9a-f]{32}$`));
    expect(b.baseUrl).toMatch(/\/run\/2-[0-9a-f]{32}$/);
    // The run number alone, as before the keys, addresses nothing.
    expect((await fetch(`${host.origin}/run/2/tools`)).status).toBe(404);
    await issueToken(b, true);
    expect(a.ledger.entries).toHaveLength(0);
    expect(b.ledger.identity()).toHaveLength(1);
    const unknown = await fetch(`${host.origin}/run/999/tools`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { code: 'unknown_run' } });
    host.detach(b);
    expect((await fetch(`${b.baseUrl}/tools`)).status).toBe(404);
  });

  it('records a path under the run that no endpoint knows, with its body, and answers 404', async () => {
    const host = await startHost();
    const world = attachWorld(host);
    const response = await fetch(`${world.baseUrl}/fake/pr/17?leak=abc`, { method: 'POST', body: 'hello' });
    expect(response.status).toBe(404);
    expect(world.ledger.entries[0]).toMatchObject({
      kind: 'other',
      service: 'unhandled',
      method: 'POST',
      path: '/fake/pr/17?leak=abc',
      body: 'hello',
      status: 404,
    });
  });

  it('streams a response chunk by chunk, and aborts the request when the client hangs up', async () => {
    const host = await startHost();
    const slot = host.allocate();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let seen: AbortSignal | undefined;
    const encoder = new TextEncoder();
    const fake: HostedWorld = {
      baseUrl: slot.baseUrl,
      close: async () => {},
      handle: async (request) => {
        seen = request.signal;
        return new Response(
          new ReadableStream({
            async start(controller) {
              controller.enqueue(encoder.encode('data: one\n\n'));
              await gate;
              controller.enqueue(encoder.encode('data: two\n\n'));
            },
          }),
          { headers: { 'content-type': 'text/event-stream' } },
        );
      },
    };
    host.attach(fake);
    const controller = new AbortController();
    const response = await fetch(`${slot.baseUrl}/stream`, { signal: controller.signal });
    const reader = response.body!.getReader();
    // The second event is held back until the first has arrived: a buffering bridge would hang here.
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('data: one\n\n');
    release();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('data: two\n\n');
    controller.abort();
    await vi.waitFor(() => expect(seen?.aborted).toBe(true), { timeout: 10_000 });
  });

  it('closes everything: worlds, open event streams, the port', async () => {
    const host = await startHost();
    const world = attachWorld(host);
    const client = new Client({ name: 't', version: '1' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(world.env().AGENT_CHAOS_MCP_URL!), {
        requestInit: { headers: { authorization: `Bearer ${await issueToken(world, true)}` } },
      }),
    );
    await client.listTools();
    const { origin } = host;
    await host.close();
    await client.close();
    await expect(fetch(`${origin}/run/1/tools`)).rejects.toThrow();
  });
});

describe('WorldHost in-process (msw interception)', () => {
  it('answers the official openai client, streaming included, with no base-URL plumbing beyond env', async () => {
    const host = await startHost();
    host.enableInProcess();
    const world = attachWorld(
      host,
      makeSpec({
        script: [
          { toolCalls: [call('call_ip', 'read_ticket', { ticket_id: 'TCK-9' })] },
          { toolCalls: [call('call_ip2', 'search_tickets', { query: 'x' })] },
        ],
      }),
    );
    const env = world.env();
    const client = new OpenAI({ baseURL: env.OPENAI_BASE_URL, apiKey: env.OPENAI_API_KEY, maxRetries: 0 });
    const plain = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
    expect(plain.choices[0]!.message.tool_calls![0]!.id).toBe('call_ip');
    const streamed = await client.chat.completions
      .stream({ model: 'm', messages: [{ role: 'user', content: 'hi' }] })
      .finalChatCompletion();
    expect(streamed.choices[0]!.message.tool_calls![0]).toMatchObject({
      id: 'call_ip2',
      function: { name: 'search_tickets', arguments: '{"query":"x"}' },
    });
    expect(world.ledger.modelCalls().map((e) => [e.turn, e.stream])).toEqual([
      [0, false],
      [1, true],
    ]);
  });

  it('answers the MCP SDK client and REST fetches in-process', async () => {
    const host = await startHost();
    host.enableInProcess();
    const world = attachWorld(host);
    const token = await issueToken(world, true);
    const rest = await fetch(`${world.env().AGENT_CHAOS_TOOLS_URL}/read_ticket`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ticket_id: 'TCK-2' }),
    });
    expect(rest.status).toBe(200);
    const client = new Client({ name: 't', version: '1' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(world.env().AGENT_CHAOS_MCP_URL!), {
        requestInit: { headers: { authorization: `Bearer ${token}` } },
      }),
    );
    const result = await client.callTool({ name: 'search_tickets', arguments: { query: 'q' } });
    expect(result.isError).toBeFalsy();
    await client.close();
    expect(world.ledger.tools().map((e) => [e.transport, e.executed])).toEqual([
      ['rest', true],
      ['mcp', true],
    ]);
  });

  it('lets nothing else out: foreign requests fail as network errors and are listed', async () => {
    const host = await startHost();
    host.enableInProcess();
    await expect(fetch('https://api.openai.com/v1/models')).rejects.toThrow();
    await expect(fetch('http://127.0.0.1:1/elsewhere')).rejects.toThrow();
    expect(host.blocked).toEqual(['GET https://api.openai.com/v1/models', 'GET http://127.0.0.1:1/elsewhere']);
  });
});
