import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import OpenAI from 'openai';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { latencyMs } from '../../../src/chaos/faults.js';
import { faultHooks } from '../../../src/chaos/hooks.js';
import { type FaultRule, faultRuleSchema, type ResolvedFaultRule } from '../../../src/chaos/schema.js';
import type { ModelEntry, ToolEntry } from '../../../src/ledger/ledger.js';
import { Rng } from '../../../src/random.js';
import { createWorld, type World, WorldHost } from '../../../src/world/index.js';
import { bearer, call, issueToken, makeManifest, makeSpec } from '../world/helpers.js';

const hosts: WorldHost[] = [];
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.close()));
});

/** A fault rule as a scenario writes it, target already resolved. */
function rule(target: string, fault: Record<string, unknown>, when: Record<string, unknown> = {}): ResolvedFaultRule {
  const parsed: FaultRule = faultRuleSchema.parse({ target, fault, when });
  return {
    ...parsed,
    target: target === 'model' ? { kind: 'model' } : target === '*' ? { kind: 'any-tool' } : { kind: 'tool', name: target },
  };
}

async function hostedWorld(rules: ResolvedFaultRule[], options: { inProcess?: boolean; seed?: number } = {}): Promise<World> {
  const host = new WorldHost();
  hosts.push(host);
  await host.start();
  if (options.inProcess) host.enableInProcess();
  const slot = host.allocate();
  const spec = makeSpec({
    seed: options.seed ?? 4242,
    faults: rules,
    script: [
      { toolCalls: [call('call_1', 'read_ticket', { ticket_id: 'TCK-1' })] },
      { toolCalls: [call('call_2', 'read_ticket', { ticket_id: 'TCK-2' })] },
    ],
  });
  const world = createWorld({
    spec,
    manifest: makeManifest(),
    runPath: slot.runPath,
    baseUrl: slot.baseUrl,
    ...faultHooks(rules, spec.seed),
  });
  host.attach(world);
  return world;
}

async function callTool(world: World, name = 'read_ticket', init: { signal?: AbortSignal } = {}): Promise<Response> {
  const token = await issueToken(world, true);
  return fetch(`${world.env().AGENT_CHAOS_TOOLS_URL}/${name}`, {
    method: 'POST',
    headers: { ...bearer(token), 'content-type': 'application/json' },
    body: JSON.stringify({ ticket_id: 'TCK-1' }),
    ...init,
  });
}

const lastTool = (world: World) => world.ledger.tools().at(-1) as ToolEntry;

async function chunksOf(response: Response): Promise<Uint8Array[]> {
  const chunks: Uint8Array[] = [];
  const reader = response.body!.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return chunks;
    chunks.push(value);
  }
}

describe('tool faults over the bridge (another process sees these bytes)', () => {
  it('latency: answers normally, late, and the tool runs', async () => {
    const world = await hostedWorld([rule('read_ticket', { type: 'latency', ms: 150, jitter_ms: 50 })]);
    const started = Date.now();
    const response = await callTool(world);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ id: 'TCK-1' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(145);
    expect(lastTool(world)).toMatchObject({ fault: 'latency', executed: true, status: 200 });
  });

  it('hang: never answers; the agent hanging up ends it, marked abandoned', async () => {
    const world = await hostedWorld([rule('read_ticket', { type: 'hang' })]);
    await expect(callTool(world, 'read_ticket', { signal: AbortSignal.timeout(200) })).rejects.toThrow();
    await vi.waitFor(() => expect(lastTool(world).abandoned).toBe(true), { timeout: 5000 });
    expect(lastTool(world)).toMatchObject({ fault: 'hang', executed: false, status: 0 });
  });

  it('hang: ends when the world closes, not abandoned, with no handle left behind', async () => {
    const world = await hostedWorld([rule('read_ticket', { type: 'hang' })]);
    const pending = callTool(world);
    await vi.waitFor(() => expect(world.ledger.tools()).toHaveLength(1), { timeout: 5000 });
    await world.close();
    await expect(pending).rejects.toThrow();
    expect(lastTool(world)).toMatchObject({ fault: 'hang', status: 0 });
    expect(lastTool(world).abandoned).toBeUndefined();
    expect(world.ledger.events.map((e) => e.type)).toContain('world.closed');
  });

  it('reset: the bridge really drops the connection', async () => {
    const world = await hostedWorld([rule('read_ticket', { type: 'reset' })]);
    const error = await callTool(world).then(
      () => undefined,
      (e: unknown) => e as Error & { cause?: { code?: string } },
    );
    expect(error).toBeInstanceOf(TypeError);
    expect(error?.cause?.code).toMatch(/ECONNRESET|UND_ERR_SOCKET/);
    expect(lastTool(world)).toMatchObject({ fault: 'reset', executed: false, status: 0 });
  });

  it('http_error and rate_limit: the world error shape, 429 with Retry-After', async () => {
    const world = await hostedWorld([
      rule('read_ticket', { type: 'http_error', status: 502 }),
      rule('search_tickets', { type: 'rate_limit', retry_after_s: 7 }),
    ]);
    const bad = await callTool(world);
    expect(bad.status).toBe(502);
    expect(await bad.json()).toMatchObject({ error: { code: 'bad_gateway' } });
    const limited = await callTool(world, 'search_tickets');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect(await limited.json()).toMatchObject({ error: { code: 'rate_limit_exceeded' } });
    expect(world.ledger.tools().map((e) => [e.tool, e.fault, e.executed, e.status])).toEqual([
      ['read_ticket', 'http_error', false, 502],
      ['search_tickets', 'rate_limit', false, 429],
    ]);
  });

  it('slow_body: the real answer in many small chunks; the entry ends with the last one', async () => {
    const world = await hostedWorld([rule('read_ticket', { type: 'slow_body', chunk_bytes: 40, interval_ms: 30 })]);
    const response = await callTool(world);
    const chunks = await chunksOf(response);
    expect(chunks.length).toBeGreaterThan(2);
    const text = Buffer.concat(chunks).toString('utf8');
    expect(JSON.parse(text)).toMatchObject({ id: 'TCK-1' });
    const entry = lastTool(world);
    expect(entry).toMatchObject({ fault: 'slow_body', executed: true, status: 200 });
    expect(entry.endedAt - entry.startedAt).toBeGreaterThanOrEqual(30 * (chunks.length - 2));
  });

  it('slow_body: an agent that stops reading is recorded as having abandoned it', async () => {
    const world = await hostedWorld([rule('read_ticket', { type: 'slow_body', chunk_bytes: 4, interval_ms: 100 })]);
    const controller = new AbortController();
    const response = await callTool(world, 'read_ticket', { signal: controller.signal });
    await response.body!.getReader().read();
    controller.abort();
    await vi.waitFor(() => expect(lastTool(world).abandoned).toBe(true), { timeout: 5000 });
  });

  it('truncated_body: cut JSON that ends cleanly, or drops the connection with drop', async () => {
    const world = await hostedWorld([
      rule('read_ticket', { type: 'truncated_body', keep_bytes: 10 }, { call: 1 }),
      rule('read_ticket', { type: 'truncated_body', drop: true }, { call: 2 }),
    ]);
    const cut = await callTool(world);
    expect(cut.status).toBe(200);
    const text = await cut.text();
    expect(text).toHaveLength(10);
    expect(() => JSON.parse(text)).toThrow();
    const dropped = await callTool(world);
    await expect(dropped.text()).rejects.toThrow();
    expect(world.ledger.tools().map((e) => [e.fault, e.executed])).toEqual([
      ['truncated_body', true],
      ['truncated_body', true],
    ]);
  });

  it('wrong_content_type, empty_body and raw', async () => {
    const world = await hostedWorld([
      rule('read_ticket', { type: 'wrong_content_type' }, { call: 1 }),
      rule('read_ticket', { type: 'wrong_content_type', content_type: 'text/plain', body: 'oops' }, { call: 2 }),
      rule('read_ticket', { type: 'empty_body' }, { call: 3 }),
      rule(
        'read_ticket',
        { type: 'raw', status: 207, headers: { 'x-odd': 'yes', 'content-type': 'application/json' }, body: '{"a": [1,' },
        { call: 4 },
      ),
      rule('read_ticket', { type: 'raw', body_base64: Buffer.from([0xff, 0x00, 0x7b]).toString('base64'), chunk_bytes: 1 }, { call: 5 }),
    ]);
    const html = await callTool(world);
    expect(html.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(JSON.parse(await html.text())).toMatchObject({ id: 'TCK-1' });
    const plain = await callTool(world);
    expect([plain.headers.get('content-type'), await plain.text()]).toEqual(['text/plain', 'oops']);
    const empty = await callTool(world);
    expect([empty.status, empty.headers.get('content-type'), await empty.text()]).toEqual([200, 'application/json', '']);
    const raw = await callTool(world);
    expect([raw.status, raw.headers.get('x-odd'), await raw.text()]).toEqual([207, 'yes', '{"a": [1,']);
    const bytes = await callTool(world);
    expect([...new Uint8Array(await bytes.arrayBuffer())]).toEqual([0xff, 0x00, 0x7b]);
    expect(world.ledger.tools().map((e) => [e.fault, e.executed])).toEqual([
      ['wrong_content_type', true],
      ['wrong_content_type', true],
      ['empty_body', false],
      ['raw', false],
      ['raw', false],
    ]);
  });
});

describe('tool faults in-process (msw interception)', () => {
  it('reset is a network error; 503 is a 503; a hang ends when the world closes', async () => {
    const world = await hostedWorld(
      [
        rule('read_ticket', { type: 'reset' }, { call: 1 }),
        rule('read_ticket', { type: 'http_error' }, { call: 2 }),
        rule('read_ticket', { type: 'hang' }, { call: 3 }),
      ],
      { inProcess: true },
    );
    await expect(callTool(world)).rejects.toThrow(TypeError);
    expect((await callTool(world)).status).toBe(503);
    const pending = callTool(world);
    await vi.waitFor(() => expect(world.ledger.tools()).toHaveLength(3), { timeout: 5000 });
    await world.close();
    await expect(pending).rejects.toThrow();
    expect(world.ledger.tools().map((e) => [e.fault, e.status])).toEqual([
      ['reset', 0],
      ['http_error', 503],
      ['hang', 0],
    ]);
  });

  it('an in-process agent giving up on a hang is recorded as abandoned', async () => {
    const world = await hostedWorld([rule('read_ticket', { type: 'hang' })], { inProcess: true });
    await expect(callTool(world, 'read_ticket', { signal: AbortSignal.timeout(150) })).rejects.toThrow();
    await vi.waitFor(() => expect(lastTool(world)).toMatchObject({ fault: 'hang', abandoned: true }), { timeout: 5000 });
  });
});

describe('tool faults over MCP', () => {
  async function mcpClient(world: World): Promise<Client> {
    const token = await issueToken(world, true);
    const client = new Client({ name: 't', version: '1' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(world.env().AGENT_CHAOS_MCP_URL!), { requestInit: { headers: bearer(token) } }),
    );
    return client;
  }

  it('answers the HTTP request that carried the call: 503, reset, wrong content type', async () => {
    const world = await hostedWorld([
      rule('read_ticket', { type: 'http_error' }, { call: 1 }),
      rule('read_ticket', { type: 'reset' }, { call: 2 }),
      rule('read_ticket', { type: 'wrong_content_type' }, { call: 3 }),
    ]);
    const client = await mcpClient(world);
    const args = { name: 'read_ticket', arguments: { ticket_id: 'TCK-1' } };
    await expect(client.callTool(args)).rejects.toThrow(/503/);
    await expect(client.callTool(args)).rejects.toThrow();
    await expect(client.callTool(args)).rejects.toThrow(/content type|text\/html/i);
    const fine = await client.callTool(args);
    expect(fine.isError).toBeFalsy();
    await client.close();
    expect(world.ledger.tools().map((e) => [e.transport, e.fault, e.executed, e.status])).toEqual([
      ['mcp', 'http_error', false, 503],
      ['mcp', 'reset', false, 0],
      ['mcp', 'wrong_content_type', true, 200],
      ['mcp', undefined, true, 200],
    ]);
  });

  it('a hung call lets go when the client times out, marked abandoned', async () => {
    const world = await hostedWorld([rule('read_ticket', { type: 'hang' })]);
    const client = await mcpClient(world);
    await expect(client.callTool({ name: 'read_ticket', arguments: { ticket_id: 'TCK-1' } }, undefined, { timeout: 200 })).rejects.toThrow(
      /timed out/i,
    );
    await vi.waitFor(() => expect(lastTool(world)).toMatchObject({ fault: 'hang', abandoned: true }), { timeout: 5000 });
    await client.close();
  });
});

describe('model faults', () => {
  const ask = (client: OpenAI, options: { timeout?: number } = {}) =>
    client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }, options);

  it('5xx and 429 as OpenAI errors; a fault does not spend the script turn', async () => {
    const world = await hostedWorld([
      rule('model', { type: 'http_error', status: 500 }, { call: 1 }),
      rule('model', { type: 'rate_limit', retry_after_s: 3 }, { call: 2 }),
    ]);
    const env = world.env();
    const client = new OpenAI({ baseURL: env.OPENAI_BASE_URL, apiKey: env.OPENAI_API_KEY, maxRetries: 0 });
    await expect(ask(client)).rejects.toMatchObject({ status: 500 });
    const limited = (await ask(client).catch((e: unknown) => e)) as { status: number; headers: Headers };
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('3');
    const answer = await ask(client);
    expect(answer.choices[0]!.message.tool_calls![0]!.id).toBe('call_1');
    expect(world.ledger.modelCalls().map((e) => [e.fault, e.status, e.turn, e.usage === undefined])).toEqual([
      ['http_error', 500, -1, true],
      ['rate_limit', 429, -1, true],
      [undefined, 200, 0, false],
    ]);
  });

  it("the same faults on the Anthropic Messages API answer in its error shape, and the Responses API in OpenAI's", async () => {
    const world = await hostedWorld([rule('model', { type: 'rate_limit', retry_after_s: 2 }, { from: 1, to: 2 })]);
    const env = world.env();
    const anthropic = await fetch(`${env.ANTHROPIC_BASE_URL}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': env.ANTHROPIC_API_KEY ?? '', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(anthropic.status).toBe(429);
    expect(anthropic.headers.get('retry-after')).toBe('2');
    expect(await anthropic.json()).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
    const client = new OpenAI({ baseURL: env.OPENAI_BASE_URL, apiKey: env.OPENAI_API_KEY, maxRetries: 0 });
    await expect(client.responses.create({ model: 'm', input: 'hi' })).rejects.toMatchObject({ status: 429, code: 'rate_limit_exceeded' });
    expect(world.ledger.modelCalls().map((e) => [e.api, e.fault, e.turn])).toEqual([
      ['anthropic', 'rate_limit', -1],
      ['responses', 'rate_limit', -1],
    ]);
  });

  it('hang: the client times out, the entry is abandoned, and the next call gets the turn', async () => {
    const world = await hostedWorld([rule('model', { type: 'hang' }, { call: 1 })], { inProcess: true });
    const env = world.env();
    const client = new OpenAI({ baseURL: env.OPENAI_BASE_URL, apiKey: env.OPENAI_API_KEY, maxRetries: 0 });
    await expect(ask(client, { timeout: 200 })).rejects.toThrow(/timed out/i);
    await vi.waitFor(() => expect(world.ledger.modelCalls()[0]).toMatchObject({ fault: 'hang', abandoned: true }), { timeout: 5000 });
    const answer = await ask(client);
    expect(answer.choices[0]!.message.tool_calls![0]!.id).toBe('call_1');
  });

  it('a truncated streamed answer cannot be read and does not spend the turn; a slow one can', async () => {
    const world = await hostedWorld([
      rule('model', { type: 'truncated_body' }, { call: 1 }),
      rule('model', { type: 'slow_body', chunk_bytes: 64, interval_ms: 5 }, { call: 2 }),
    ]);
    const env = world.env();
    const client = new OpenAI({ baseURL: env.OPENAI_BASE_URL, apiKey: env.OPENAI_API_KEY, maxRetries: 0 });
    await expect(ask(client)).rejects.toThrow();
    const slow = await client.chat.completions.stream({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }).finalChatCompletion();
    expect(slow.choices[0]!.message.tool_calls![0]!.id).toBe('call_1');
    expect(world.ledger.modelCalls().map((e) => [e.fault, e.turn, e.proposed.length])).toEqual([
      ['truncated_body', -1, 0],
      ['slow_body', 0, 1],
    ]);
  });

  it('holds a claimed huge output to the max_tokens the agent asked for', async () => {
    const host = new WorldHost();
    hosts.push(host);
    await host.start();
    const slot = host.allocate();
    const spec = makeSpec({
      script: [
        { toolCalls: [], text: 'long', extraOutputTokens: 50_000 },
        { toolCalls: [], text: 'long', extraOutputTokens: 50_000 },
      ],
    });
    const world = createWorld({ spec, manifest: makeManifest(), runPath: slot.runPath, baseUrl: slot.baseUrl });
    host.attach(world);
    const env = world.env();
    const client = new OpenAI({ baseURL: env.OPENAI_BASE_URL, apiKey: env.OPENAI_API_KEY, maxRetries: 0 });
    const unbounded = await ask(client);
    expect(unbounded.usage!.completion_tokens).toBe(50_001);
    const bounded = await client.chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'x' }],
      max_completion_tokens: 300,
    });
    expect(bounded.usage!.completion_tokens).toBe(300);
    expect((world.ledger.modelCalls() as ModelEntry[]).map((e) => e.usage?.output_tokens)).toEqual([50_001, 300]);
  });
});

describe('firing rules', () => {
  async function firings(rules: ResolvedFaultRule[], seed: number, calls: number): Promise<boolean[]> {
    const hooks = faultHooks(rules, seed);
    const out: boolean[] = [];
    const tool = { name: 'read_ticket' } as never;
    for (let i = 0; i < calls; i++) {
      out.push((await hooks.beforeTool!({ tool, signal: new AbortController().signal } as never)) !== undefined);
    }
    return out;
  }

  it('the N-th call, calls N..M, every call', async () => {
    expect(await firings([rule('read_ticket', { type: 'reset' }, { call: 2 })], 1, 4)).toEqual([false, true, false, false]);
    expect(await firings([rule('read_ticket', { type: 'reset' }, { from: 2, to: 3 })], 1, 4)).toEqual([false, true, true, false]);
    expect(await firings([rule('read_ticket', { type: 'reset' }, { from: 3 })], 1, 5)).toEqual([false, false, true, true, true]);
    expect(await firings([rule('read_ticket', { type: 'reset' })], 1, 3)).toEqual([true, true, true]);
    expect(await firings([rule('search_tickets', { type: 'reset' })], 1, 2)).toEqual([false, false]);
    expect(await firings([rule('*', { type: 'reset' }, { call: 1 })], 1, 2)).toEqual([true, false]);
  });

  it('a probability fires the same calls for the same seed, about as often as asked', async () => {
    const rules = [rule('read_ticket', { type: 'reset' }, { probability: 0.3 })];
    const a = await firings(rules, 77, 400);
    expect(await firings(rules, 77, 400)).toEqual(a);
    expect(await firings(rules, 78, 400)).not.toEqual(a);
    const rate = a.filter(Boolean).length / a.length;
    expect(rate).toBeGreaterThan(0.2);
    expect(rate).toBeLessThan(0.4);
  });

  it('latency jitter is drawn from the seed', () => {
    const spec = { type: 'latency', ms: 100, jitter_ms: 60 } as const;
    const draw = (seed: number) => {
      const rng = new Rng(seed);
      return Array.from({ length: 20 }, () => latencyMs(spec, rng));
    };
    expect(draw(5)).toEqual(draw(5));
    expect(draw(5)).not.toEqual(draw(6));
    expect(draw(5).every((ms) => ms >= 100 && ms <= 160)).toBe(true);
  });
});
