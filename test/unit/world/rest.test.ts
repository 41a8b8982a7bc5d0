import { describe, expect, it } from 'vitest';
import { buildCatalog, schemaVersion, type ToolFault } from '../../../src/world/index.js';
import { bearer, call, directWorld, issueToken, makeSpec, send } from './helpers.js';

describe('tools over REST', () => {
  it('lists every catalog tool with its effect and the schema version', async () => {
    const world = directWorld();
    const token = await issueToken(world);
    const response = await send(world, '/tools', { headers: bearer(token) });
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      schema_version: string;
      tools: { name: string; effect: string; input_schema: unknown; description: string }[];
    };
    expect(body.schema_version).toBe(schemaVersion(buildCatalog()));
    expect(body.tools).toHaveLength(buildCatalog().size);
    expect(body.tools.find((t) => t.name === 'delete_repo')).toMatchObject({ effect: 'write', input_schema: { required: ['repo'] } });
    expect(world.ledger.entries.at(-1)).toMatchObject({
      note: 'tools/list',
      principal: world.clientId,
      schemaVersion: body.schema_version,
      status: 200,
    });
  });

  it('runs a tool and records who called it, what ran and what it created', async () => {
    const world = directWorld();
    const token = await issueToken(world);
    const args = { ticket_id: 'TCK-4821', body: 'Looking into it.' };
    const response = await send(world, '/tools/comment_ticket', { body: args, headers: bearer(token) });
    expect(response.status).toBe(200);
    const result = (await response.json()) as { comment_id: string; url: string };
    expect(result.comment_id).toBe('cmt_1');
    expect(result.url).toBe(`${world.baseUrl}/fake/tickets/TCK-4821/comments/cmt_1`);
    expect(world.ledger.tools()[0]).toMatchObject({
      transport: 'rest',
      service: 'tools',
      method: 'POST',
      path: '/tools/comment_ticket',
      tool: 'comment_ticket',
      args,
      bearer: token,
      principal: world.clientId,
      effect: 'write',
      executed: true,
      status: 200,
      result,
      externalIds: ['cmt_1', result.url],
    });
  });

  it('matches call ids by header, else the earliest unclaimed proposal with equal arguments', async () => {
    const same = { query: 'checkout', limit: 2 };
    const spec = makeSpec({
      script: [
        {
          toolCalls: [
            call('call_a', 'search_tickets', same),
            call('call_b', 'search_tickets', same),
            call('call_c', 'read_ticket', { ticket_id: 'TCK-1' }),
          ],
        },
      ],
    });
    const world = directWorld({ spec });
    const key = { authorization: `Bearer ${world.modelKey}` };
    await send(world, '/v1/chat/completions', { body: { model: 'm', messages: [{ role: 'user', content: 'hi' }] }, headers: key });
    const token = await issueToken(world);
    // Key order differs from the proposal's: arguments match as data, not as text.
    await send(world, '/tools/search_tickets', { body: { limit: 2, query: 'checkout' }, headers: bearer(token) });
    await send(world, '/tools/search_tickets', { body: same, headers: { ...bearer('nope') } });
    await send(world, '/tools/search_tickets', { body: same, headers: bearer(token) });
    await send(world, '/tools/search_tickets', { body: same, headers: bearer(token) });
    await send(world, '/tools/read_ticket', {
      body: { ticket_id: 'TCK-1' },
      headers: { ...bearer(token), 'x-agent-chaos-call-id': 'call_from_agent' },
    });
    await send(world, '/tools/read_ticket', { body: { ticket_id: 'TCK-1' }, headers: bearer(token) });
    expect(world.ledger.tools().map((e) => [e.callId, e.executed])).toEqual([
      ['call_a', true],
      // A refused attempt is tied to the next open proposal but does not use it up.
      ['call_b', false],
      ['call_b', true],
      [undefined, true],
      ['call_from_agent', true],
      ['call_c', true],
    ]);
  });

  it('answers 404 for an unknown tool and runs nothing', async () => {
    const world = directWorld();
    const token = await issueToken(world);
    const response = await send(world, '/tools/drop_database', { body: {}, headers: bearer(token) });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { code: 'unknown_tool' } });
    expect(world.ledger.tools()[0]).toMatchObject({
      tool: 'drop_database',
      rejected: 'unknown_tool',
      executed: false,
      effect: undefined,
      status: 404,
    });
  });

  it('answers 400 for a body that is not JSON, keeping the raw text', async () => {
    const world = directWorld();
    const token = await issueToken(world);
    const response = await send(world, '/tools/read_ticket', { body: '{"ticket_id": "TCK-1"', headers: bearer(token) });
    expect(response.status).toBe(400);
    expect(world.ledger.tools()[0]).toMatchObject({
      args: '{"ticket_id": "TCK-1"',
      executed: false,
      error: 'invalid JSON body',
      status: 400,
    });
    const array = await send(world, '/tools/read_ticket', { body: [1, 2], headers: bearer(token) });
    expect(array.status).toBe(400);
  });

  it('lets a beforeTool hook answer with a fault instead of running the tool', async () => {
    const fault: ToolFault = { name: 'http_503', respond: () => new Response('upstream unavailable', { status: 503 }) };
    const world = directWorld({ beforeTool: ({ tool }) => (tool.name === 'read_ticket' ? fault : undefined) });
    const token = await issueToken(world);
    const response = await send(world, '/tools/read_ticket', { body: { ticket_id: 'TCK-1' }, headers: bearer(token) });
    expect(response.status).toBe(503);
    expect((await send(world, '/tools/search_tickets', { body: { query: 'x' }, headers: bearer(token) })).status).toBe(200);
    expect(world.ledger.tools().map((e) => [e.tool, e.fault, e.executed, e.status])).toEqual([
      ['read_ticket', 'http_503', false, 503],
      ['search_tickets', undefined, true, 200],
    ]);
  });

  it('answers 500 when a tool backend throws, and notes it as a world error', async () => {
    const catalog = buildCatalog();
    catalog.set('broken', {
      ...catalog.get('read_ticket')!,
      name: 'broken',
      run: () => {
        throw new Error('backend bug');
      },
    });
    const world = directWorld({ catalog });
    const token = await issueToken(world);
    const response = await send(world, '/tools/broken', { body: {}, headers: bearer(token) });
    expect(response.status).toBe(500);
    expect(world.ledger.events).toEqual([
      { at: expect.any(Number), type: 'world.error', detail: { path: '/tools/broken', message: 'backend bug' } },
    ]);
  });
});
