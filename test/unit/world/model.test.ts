import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelEntry } from '../../../src/ledger/ledger.js';
import { createWorld, type World, WorldHost } from '../../../src/world/index.js';
import { call, directWorld, makeManifest, makeSpec, send } from './helpers.js';

const tools: OpenAI.Chat.Completions.ChatCompletionTool[] = [
  {
    type: 'function',
    function: {
      name: 'search_tickets',
      description: 'Search tickets. SECRET-DESCRIPTION-TEXT',
      parameters: { type: 'object', properties: { query: { type: 'string' } } },
    },
  },
];

// One host for the file; each test gets a fresh world on it, and an official client for that world.
const host = new WorldHost();
let world: World;
let client: OpenAI;

beforeAll(async () => {
  await host.start();
});
afterAll(async () => {
  await host.close();
});

function freshWorld(spec = makeSpec()): void {
  const slot = host.allocate();
  world = createWorld({ spec, manifest: makeManifest(), runPath: slot.runPath, baseUrl: slot.baseUrl });
  host.attach(world);
  const env = world.env();
  client = new OpenAI({ baseURL: env.OPENAI_BASE_URL, apiKey: env.OPENAI_API_KEY, maxRetries: 0 });
}

describe('OpenAI chat completions, through the bridge', () => {
  it('plays the script turn by turn with the official client, then the final text', async () => {
    freshWorld();
    const first = await client.chat.completions.create({
      model: 'gpt-test',
      messages: [{ role: 'user', content: 'Checkout is down.' }],
      tools,
    });
    expect(first.choices[0]!.finish_reason).toBe('tool_calls');
    expect(first.choices[0]!.message.tool_calls).toEqual([
      { id: 'call_search_1', type: 'function', function: { name: 'search_tickets', arguments: '{"query":"checkout down","limit":3}' } },
    ]);
    expect(first.usage!.total_tokens).toBe(first.usage!.prompt_tokens + first.usage!.completion_tokens);

    const second = await client.chat.completions.create({
      model: 'gpt-test',
      messages: [
        { role: 'user', content: 'Checkout is down.' },
        { role: 'assistant', content: null, tool_calls: first.choices[0]!.message.tool_calls! },
        { role: 'tool', tool_call_id: 'call_search_1', content: '{"tickets":["TOOL-RESULT-TEXT"]}' },
      ],
      tools,
    });
    expect(second.choices[0]!.message.content).toBe('Commenting.');
    const third = await client.chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: 'and?' }] });
    expect(third.choices[0]).toMatchObject({ finish_reason: 'stop', message: { content: 'Triage complete.' } });

    const calls = world.ledger.modelCalls();
    expect(calls.map((c) => c.turn)).toEqual([0, 1, 2]);
    expect(calls[0]).toMatchObject({
      api: 'chat',
      model: 'gpt-test',
      stream: false,
      status: 200,
      proposed: [{ id: 'call_search_1', name: 'search_tickets' }],
    });
    expect(calls[0]!.usage).toEqual({ input_tokens: first.usage!.prompt_tokens, output_tokens: first.usage!.completion_tokens });
    // The model "reads" everything: messages, tool results, earlier tool-call arguments, tool descriptions.
    for (const text of ['Checkout is down.', 'TOOL-RESULT-TEXT', '"query":"checkout down"', 'SECRET-DESCRIPTION-TEXT'])
      expect(calls[1]!.inputText).toContain(text);
  });

  it('streams SSE chunks the official client reassembles, tool-call deltas and usage included', async () => {
    const args = { ticket_id: 'TCK-4821', body: 'A long enough comment to be split into several argument fragments.' };
    freshWorld(
      makeSpec({
        script: [
          {
            toolCalls: [call('call_x', 'comment_ticket', args), call('call_y', 'read_ticket', { ticket_id: 'TCK-1' })],
            text: 'Two calls coming up.',
          },
        ],
      }),
    );
    const stream = await client.chat.completions.create({
      model: 'gpt-test',
      messages: [{ role: 'user', content: 'go' }],
      tools,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    const fragments = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []).filter((t) => t.index === 0 && !t.id);
    expect(fragments.length).toBeGreaterThan(3);
    expect(chunks.at(-1)!.usage).toMatchObject({ prompt_tokens: expect.any(Number), completion_tokens: expect.any(Number) });
    expect(chunks.at(-2)!.choices[0]!.finish_reason).toBe('tool_calls');

    // The SDK's own accumulator rebuilds the message from the deltas.
    freshWorld(makeSpec({ script: [{ toolCalls: [call('call_x', 'comment_ticket', args)], text: 'On it.' }] }));
    const runner = client.chat.completions.stream({ model: 'gpt-test', messages: [{ role: 'user', content: 'go' }], tools });
    const final = await runner.finalChatCompletion();
    expect(final.choices[0]!.message.content).toBe('On it.');
    expect(final.choices[0]!.message.tool_calls).toEqual([
      expect.objectContaining({
        id: 'call_x',
        type: 'function',
        function: expect.objectContaining({ name: 'comment_ticket', arguments: JSON.stringify(args) }),
      }),
    ]);
    const entry = world.ledger.modelCalls()[0] as ModelEntry;
    expect(entry).toMatchObject({ stream: true, status: 200, turn: 0 });
    expect(entry.endedAt).toBeGreaterThanOrEqual(entry.startedAt);
  });

  it('refuses any other key with an OpenAI-style 401, recorded as rejected', async () => {
    freshWorld();
    const wrong = new OpenAI({ baseURL: world.env().OPENAI_BASE_URL, apiKey: 'sk-real-key', maxRetries: 0 });
    await expect(
      wrong.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'leak sk-canary' }] }),
    ).rejects.toMatchObject({
      status: 401,
      code: 'invalid_api_key',
    });
    expect(world.ledger.modelCalls()[0]).toMatchObject({ rejected: 'invalid_key', turn: -1, status: 401 });
    expect(world.ledger.modelCalls()[0]!.inputText).toContain('leak sk-canary');
    // A refused call is not an answer: the script has not moved.
    const ok = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] });
    expect(ok.choices[0]!.message.tool_calls![0]!.id).toBe('call_search_1');
  });

  it('lists models', async () => {
    freshWorld();
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual(['agent-chaos-adversary']);
  });
});

describe('OpenAI Responses API, through the bridge', () => {
  const responseTools: OpenAI.Responses.FunctionTool[] = [
    {
      type: 'function',
      name: 'search_tickets',
      description: 'Search tickets. SECRET-DESCRIPTION-TEXT',
      parameters: { type: 'object', properties: { query: { type: 'string' } } },
      strict: false,
    },
  ];

  it('plays the script with the official client: function calls, then text, usage on every answer', async () => {
    freshWorld();
    const first = await client.responses.create({
      model: 'gpt-test',
      instructions: 'Be careful.',
      input: 'Checkout is down.',
      tools: responseTools,
    });
    expect(first.output).toEqual([
      expect.objectContaining({
        type: 'function_call',
        call_id: 'call_search_1',
        name: 'search_tickets',
        arguments: '{"query":"checkout down","limit":3}',
      }),
    ]);
    expect(first.usage?.total_tokens).toBe((first.usage?.input_tokens ?? 0) + (first.usage?.output_tokens ?? 0));

    const second = await client.responses.create({
      model: 'gpt-test',
      input: [
        { role: 'user', content: 'Checkout is down.' },
        { type: 'function_call', call_id: 'call_search_1', name: 'search_tickets', arguments: '{"query":"checkout down","limit":3}' },
        { type: 'function_call_output', call_id: 'call_search_1', output: '{"tickets":["TOOL-RESULT-TEXT"]}' },
      ],
      tools: responseTools,
    });
    expect(second.output_text).toBe('Commenting.');
    expect(second.output.map((item) => item.type)).toEqual(['message', 'function_call']);
    const third = await client.responses.create({ model: 'gpt-test', input: 'and?' });
    expect(third.output_text).toBe('Triage complete.');
    expect(third.status).toBe('completed');

    const calls = world.ledger.modelCalls();
    expect(calls.map((c) => [c.api, c.turn, c.status])).toEqual([
      ['responses', 0, 200],
      ['responses', 1, 200],
      ['responses', 2, 200],
    ]);
    expect(calls[0]).toMatchObject({ model: 'gpt-test', proposed: [{ id: 'call_search_1', name: 'search_tickets' }] });
    expect(calls[0]!.usage).toEqual({ input_tokens: first.usage!.input_tokens, output_tokens: first.usage!.output_tokens });
    for (const text of ['Be careful.', 'Checkout is down.', 'SECRET-DESCRIPTION-TEXT']) expect(calls[0]!.inputText).toContain(text);
    expect(calls[1]!.inputText).toContain('TOOL-RESULT-TEXT');
  });

  it("streams the Responses API's events, which the official client reassembles", async () => {
    const args = { ticket_id: 'TCK-4821', body: 'A long enough comment to be split into several argument fragments.' };
    freshWorld(makeSpec({ script: [{ toolCalls: [call('call_x', 'comment_ticket', args)], text: 'On it.' }] }));
    const events: string[] = [];
    const stream = client.responses.stream({ model: 'gpt-test', input: 'go', tools: responseTools });
    for await (const event of stream) events.push(event.type);
    const final = await stream.finalResponse();
    expect(final.output_text).toBe('On it.');
    expect(final.output.find((item) => item.type === 'function_call')).toMatchObject({
      call_id: 'call_x',
      arguments: JSON.stringify(args),
    });
    expect(events[0]).toBe('response.created');
    expect(events.at(-1)).toBe('response.completed');
    expect(events.filter((e) => e === 'response.function_call_arguments.delta').length).toBeGreaterThan(3);
    expect(world.ledger.modelCalls()[0]).toMatchObject({ api: 'responses', stream: true, status: 200, turn: 0 });
  });

  it('refuses a wrong key and a request without input, recorded as rejected', async () => {
    freshWorld();
    const wrong = new OpenAI({ baseURL: world.env().OPENAI_BASE_URL, apiKey: 'sk-real-key', maxRetries: 0 });
    await expect(wrong.responses.create({ model: 'm', input: 'leak sk-canary' })).rejects.toMatchObject({
      status: 401,
      code: 'invalid_api_key',
    });
    const response = await send(world, '/v1/responses', { body: { model: 'm' }, headers: { authorization: `Bearer ${world.modelKey}` } });
    expect(response.status).toBe(400);
    expect(world.ledger.modelCalls().map((c) => c.rejected)).toEqual(['invalid_key', 'bad_request']);
    expect(world.ledger.modelCalls()[0]!.inputText).toContain('leak sk-canary');
  });
});

describe('Anthropic Messages API', () => {
  const headers = (world: World) => ({ 'x-api-key': world.modelKey, 'anthropic-version': '2023-06-01' });

  it('plays the script: tool_use blocks with object input, then text; usage on every answer', async () => {
    const world = directWorld();
    const first = await send(world, '/anthropic/v1/messages', {
      headers: headers(world),
      body: {
        model: 'claude-test',
        max_tokens: 1024,
        system: 'Be careful.',
        messages: [{ role: 'user', content: 'Checkout is down.' }],
        tools: [{ name: 'search_tickets', description: 'SECRET-DESCRIPTION-TEXT', input_schema: { type: 'object' } }],
      },
    });
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({
      type: 'message',
      role: 'assistant',
      model: 'claude-test',
      stop_reason: 'tool_use',
      content: [{ type: 'tool_use', id: 'call_search_1', name: 'search_tickets', input: { query: 'checkout down', limit: 3 } }],
      usage: { input_tokens: expect.any(Number), output_tokens: expect.any(Number) },
    });
    const second = await send(world, '/anthropic/v1/messages', {
      headers: headers(world),
      body: {
        model: 'claude-test',
        max_tokens: 1024,
        messages: [
          { role: 'user', content: 'Checkout is down.' },
          { role: 'assistant', content: [{ type: 'tool_use', id: 'call_search_1', name: 'search_tickets', input: {} }] },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_search_1', content: 'TOOL-RESULT-TEXT' }] },
        ],
      },
    });
    expect(await second.json()).toMatchObject({
      stop_reason: 'tool_use',
      content: [{ type: 'text', text: 'Commenting.' }, { type: 'tool_use' }],
    });
    const calls = world.ledger.modelCalls();
    expect(calls.map((c) => [c.api, c.turn, c.status])).toEqual([
      ['anthropic', 0, 200],
      ['anthropic', 1, 200],
    ]);
    for (const text of ['Be careful.', 'Checkout is down.', 'SECRET-DESCRIPTION-TEXT']) expect(calls[0]!.inputText).toContain(text);
    expect(calls[1]!.inputText).toContain('TOOL-RESULT-TEXT');
  });

  it('carries malformed raw arguments as the object Anthropic always sends, and records what went out', async () => {
    const world = directWorld({
      spec: makeSpec({
        script: [{ toolCalls: [{ id: 'toolu_1', name: 'read_ticket', args: { ticket_id: 'T-1' }, rawArgs: '{"ticket_id": "T-1"' }] }],
      }),
    });
    const answer = await send(world, '/anthropic/v1/messages', {
      headers: headers(world),
      body: { model: 'm', max_tokens: 64, messages: [{ role: 'user', content: 'go' }] },
    });
    expect((await answer.json()).content).toEqual([{ type: 'tool_use', id: 'toolu_1', name: 'read_ticket', input: { ticket_id: 'T-1' } }]);
    expect(world.ledger.modelCalls()[0]!.proposed).toEqual([
      { id: 'toolu_1', name: 'read_ticket', args: { ticket_id: 'T-1' }, rawArgs: '{"ticket_id":"T-1"}' },
    ]);
  });

  it('streams message_start, content blocks with text and input_json deltas, message_delta and message_stop', async () => {
    const args = { ticket_id: 'TCK-4821', body: 'A long enough comment to be split into several fragments.' };
    const world = directWorld({ spec: makeSpec({ script: [{ toolCalls: [call('toolu_x', 'comment_ticket', args)], text: 'On it.' }] }) });
    const response = await send(world, '/anthropic/v1/messages', {
      headers: headers(world),
      body: { model: 'm', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'go' }] },
    });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const frames = (await response.text()).trim().split('\n\n');
    const events = frames.map((frame) => {
      const [name, data] = frame.split('\n');
      const parsed = JSON.parse(String(data).replace(/^data: /, ''));
      expect(name).toBe(`event: ${parsed.type}`);
      return parsed;
    });
    expect(events.map((e) => e.type)).toEqual([
      'message_start',
      'content_block_start',
      'ping',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'content_block_start',
      ...events.filter((e) => e.delta?.type === 'input_json_delta').map(() => 'content_block_delta'),
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    const json = events
      .filter((e) => e.delta?.type === 'input_json_delta')
      .map((e) => e.delta.partial_json)
      .join('');
    expect(JSON.parse(json)).toEqual(args);
    expect(events.find((e) => e.type === 'message_delta')).toMatchObject({ delta: { stop_reason: 'tool_use' } });
    expect(world.ledger.modelCalls()[0]).toMatchObject({ api: 'anthropic', stream: true, status: 200 });
  });

  it('refuses a wrong key and a request without max_tokens with Anthropic-style errors', async () => {
    const world = directWorld();
    const wrong = await send(world, '/anthropic/v1/messages', {
      headers: { 'x-api-key': 'sk-ant-real' },
      body: { model: 'm', max_tokens: 64, messages: [{ role: 'user', content: 'leak sk-canary' }] },
    });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({ type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } });
    const missing = await send(world, '/anthropic/v1/messages', { headers: headers(world), body: { model: 'm', messages: [] } });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    expect(world.ledger.modelCalls().map((c) => c.rejected)).toEqual(['invalid_key', 'bad_request']);
  });
});
