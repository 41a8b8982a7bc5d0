import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelEntry } from '../../../src/ledger/ledger.js';
import { createWorld, type World, WorldHost } from '../../../src/world/index.js';
import { call, makeManifest, makeSpec, send } from './helpers.js';

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

describe('OpenAI chat completions, through the bridge', () => {
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

describe('model APIs not served yet', () => {
  it('answers 501 not_implemented for responses and anthropic messages, and records them', async () => {
    const world = createWorld({ spec: makeSpec(), manifest: makeManifest(), runPath: '/run/1', baseUrl: 'http://127.0.0.1:9/run/1' });
    for (const path of ['/v1/responses', '/anthropic/v1/messages']) {
      const response = await send(world, path, { body: { model: 'x', input: 'hello there' } });
      expect(response.status).toBe(501);
      expect(await response.json()).toMatchObject({ error: { code: 'not_implemented' } });
    }
    expect(world.ledger.modelCalls().map((e) => [e.api, e.status, e.fault, e.inputText])).toEqual([
      ['responses', 501, 'not_implemented', 'x\nhello there'],
      ['anthropic', 501, 'not_implemented', 'x\nhello there'],
    ]);
  });
});
