import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildCatalog, createWorld, schemaVersion, type World, WorldHost } from '../../../src/world/index.js';
import { call, issueToken, makeManifest, makeSpec } from './helpers.js';

describe('tools over MCP (SDK client through the bridge)', () => {
  let host: WorldHost;
  let world: World;
  let now: number;
  const clients: Client[] = [];

  beforeEach(async () => {
    host = new WorldHost();
    await host.start();
    now = 1_000_000;
    const slot = host.allocate();
    const spec = makeSpec({ script: [{ toolCalls: [call('call_m1', 'read_ticket', { ticket_id: 'TCK-7' })] }] });
    world = createWorld({ spec, manifest: makeManifest(), runPath: slot.runPath, baseUrl: slot.baseUrl, tokenTtlS: 60, now: () => now });
    host.attach(world);
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await host.close();
  });

  async function connect(token: string | undefined): Promise<Client> {
    const client = new Client({ name: 'test-agent', version: '1.0.0' });
    const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
    const transport = new StreamableHTTPClientTransport(new URL(world.env().AGENT_CHAOS_MCP_URL!), { requestInit: { headers } });
    clients.push(client);
    await client.connect(transport);
    return client;
  }

  it('lists the same tools with effect and schema version in _meta', async () => {
    const client = await connect(await issueToken(world, true));
    const listed = await client.listTools();
    expect(listed.tools.map((t) => t.name)).toEqual([...buildCatalog().keys()]);
    expect(listed._meta).toEqual({ 'agent-chaos/schema_version': schemaVersion(buildCatalog()) });
    expect(listed.tools.find((t) => t.name === 'transfer_funds')!._meta).toEqual({ 'agent-chaos/effect': 'write' });
    const notes = world.ledger.entries.filter((e) => e.kind === 'other').map((e) => e.kind === 'other' && e.note);
    expect(notes).toEqual(expect.arrayContaining(['initialize', 'notifications/initialized', 'tools/list']));
  });

  it('calls a tool: JSON text and structured content, ledger entry with principal and matched call id', async () => {
    const token = await issueToken(world, true);
    const client = await connect(token);
    const result = await client.callTool({ name: 'read_ticket', arguments: { ticket_id: 'TCK-7' } });
    expect(result.isError).toBeFalsy();
    const content = result.content as { type: string; text: string }[];
    expect(JSON.parse(content[0]!.text)).toEqual(result.structuredContent);
    expect(result.structuredContent).toMatchObject({ id: 'TCK-7' });
    // The proposal was never made by a model in this test, so the call id comes from _meta.
    await client.callTool({
      name: 'comment_ticket',
      arguments: { ticket_id: 'TCK-7', body: 'hi' },
      _meta: { 'agent-chaos/call_id': 'call_meta' },
    });
    expect(
      world.ledger.tools().map((e) => [e.transport, e.service, e.tool, e.principal, e.bearer === token, e.executed, e.callId, e.status]),
    ).toEqual([
      ['mcp', 'mcp', 'read_ticket', world.clientId, true, true, undefined, 200],
      ['mcp', 'mcp', 'comment_ticket', world.clientId, true, true, 'call_meta', 200],
    ]);
    expect(world.ledger.tools()[1]!.externalIds[0]).toBe('cmt_1');
  });

  it('answers an unknown tool with isError, recorded as unknown_tool', async () => {
    const client = await connect(await issueToken(world, true));
    const result = await client.callTool({ name: 'exfiltrate', arguments: {} });
    expect(result.isError).toBe(true);
    expect(JSON.parse((result.content as { text: string }[])[0]!.text)).toMatchObject({ error: { code: 'unknown_tool' } });
    expect(world.ledger.tools()[0]).toMatchObject({ tool: 'exfiltrate', rejected: 'unknown_tool', executed: false });
  });

  it('refuses a missing token at the HTTP layer with 401', async () => {
    await expect(connect(undefined)).rejects.toThrow();
    expect(world.ledger.entries.find((e) => e.kind === 'other' && e.note === 'initialize')).toMatchObject({
      status: 401,
      rejected: 'missing_token',
    });
  });

  it('refuses an expired or revoked token, and records the refused call', async () => {
    // The model proposes the call first, so the refused attempt can be tied to it.
    await fetch(world.env().OPENAI_BASE_URL + '/chat/completions', {
      method: 'POST',
      headers: { authorization: `Bearer ${world.modelKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'go' }] }),
    });
    const token = await issueToken(world, true);
    const client = await connect(token);
    now += 60_000;
    await expect(client.callTool({ name: 'read_ticket', arguments: { ticket_id: 'TCK-7' } })).rejects.toThrow();
    expect(world.ledger.tools().at(-1)).toMatchObject({
      rejected: 'token_expired',
      executed: false,
      status: 401,
      principal: world.clientId,
      callId: 'call_m1',
    });

    const raw = await fetch(world.env().AGENT_CHAOS_MCP_URL!, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/list' }),
    });
    expect(raw.status).toBe(401);
    expect(await raw.json()).toEqual({ error: { code: 'token_expired' } });
    world.revoke();
    const revoked = await fetch(world.env().AGENT_CHAOS_MCP_URL!, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: '{}',
    });
    expect(await revoked.json()).toEqual({ error: { code: 'token_revoked' } });
  });
});
