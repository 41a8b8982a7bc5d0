import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadCassette } from '../../../src/config/cassette.js';
import { loadScenarioFile } from '../../../src/config/scenarios.js';
import { configErrorOf } from '../../helpers/config-error.js';

let dir = '';
function file(name: string, text: string): string {
  dir ||= mkdtempSync(join(tmpdir(), 'ac-cassette-'));
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = '';
});

const errorOf = configErrorOf;

const chat = (message: Record<string, unknown>) => JSON.stringify({ object: 'chat.completion', choices: [{ index: 0, message }] });
const call = (name: string, args: string) => ({ id: 'call_x', type: 'function', function: { name, arguments: args } });

describe('cassettes', () => {
  it('reads chat completions, Responses objects and Anthropic messages, bare or wrapped, as scripted turns', () => {
    const lines = [
      chat({ role: 'assistant', content: null, tool_calls: [call('search_tickets', '{"query":"down"}')] }),
      JSON.stringify({
        response: {
          object: 'response',
          output: [
            { type: 'message', content: [{ type: 'output_text', text: 'Reading it.' }] },
            { type: 'function_call', call_id: 'c', name: 'read_ticket', arguments: '{"ticket_id": "T-1"' },
          ],
        },
      }),
      JSON.stringify({ type: 'message', content: [{ type: 'tool_use', id: 'toolu_1', name: 'made_up_tool', input: { a: 1 } }] }),
      chat({ role: 'assistant', content: 'All done.' }),
    ];
    expect(loadCassette(file('session.jsonl', `${lines.join('\n')}\n`))).toEqual({
      script: [
        { tool_calls: [{ tool: 'search_tickets', raw_args: '{"query":"down"}', args: { query: 'down' } }] },
        // Malformed arguments stay as the model sent them.
        { tool_calls: [{ tool: 'read_ticket', raw_args: '{"ticket_id": "T-1"', args: {} }], text: 'Reading it.' },
        { tool_calls: [{ tool: 'made_up_tool', raw_args: '{"a":1}', args: { a: 1 } }] },
      ],
      finalText: 'All done.',
    });
  });

  it('names the file, line and field of every bad record', () => {
    const bad = file(
      'bad.jsonl',
      [
        '{"object": "chat.completion", "choices": [{"message": {"tool_calls": [{"function": {"arguments": "{}"}}]}}]}',
        'not json',
        '{"hello": "world"}',
        '{"type": "message", "content": [{"type": "tool_use", "name": "x", "input": "text"}]}',
      ].join('\n'),
    );
    const err = errorOf(() => loadCassette(bad));
    expect([err.message, ...err.more.map((e) => e.message)]).toEqual([
      `${bad}:1: choices[0].message.tool_calls[0].function.name: a recorded tool call needs a name (one that is not a role such as @forbidden)`,
      expect.stringMatching(new RegExp(`^${bad}:2: invalid JSON`)),
      `${bad}:3: not a recorded model answer: expected an OpenAI chat completion (choices), an OpenAI Responses object (output) or an Anthropic message (content)`,
      `${bad}:4: content[0].input: a tool_use block needs an input object`,
    ]);
    expect(errorOf(() => loadCassette(file('empty.json', '[]'))).message).toMatch(/empty\.json: the cassette holds no recorded answer$/);
  });

  it('a replay scenario plays its cassette; a missing cassette or a mismatched policy is an error at its field', () => {
    file('s.jsonl', `${chat({ role: 'assistant', content: null, tool_calls: [call('delete_repo', '{"repo":"a/b"}')] })}\n`);
    const scenario = loadScenarioFile(
      file(
        'replay.yaml',
        'id: r/1\ntitle: R\npack: authorization\ncontrols: [authz.forbidden]\nmodel:\n  policy: replay\n  cassette: s.jsonl\n',
      ),
    );
    expect(scenario.model.script).toEqual([{ tool_calls: [{ tool: 'delete_repo', raw_args: '{"repo":"a/b"}', args: { repo: 'a/b' } }] }]);
    expect(scenario.model.final_text).toBe('Triage complete.');

    const base = 'id: r/2\ntitle: R\npack: authorization\ncontrols: [authz.forbidden]\nmodel:\n';
    const missing = file('missing.yaml', `${base}  policy: replay\n  cassette: nowhere.jsonl\n`);
    expect(errorOf(() => loadScenarioFile(missing)).message).toMatch(new RegExp(`^${missing}:7:\\d+: model\\.cassette: no cassette at `));
    const noCassette = file('no-cassette.yaml', `${base}  policy: replay\n`);
    expect(errorOf(() => loadScenarioFile(noCassette)).message).toMatch(/model\.policy: model\.policy: replay needs model\.cassette/);
    const scripted = file('scripted.yaml', `${base}  cassette: s.jsonl\n`);
    expect(errorOf(() => loadScenarioFile(scripted)).message).toMatch(/model\.cassette: a cassette is played by model\.policy: replay/);
  });
});
