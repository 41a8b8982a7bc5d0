import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { schemaProblem } from '../../../src/chaos/json-schema.js';
import { describeResponse, expectationFor, MALFORMED_KINDS, malformedResponse, type RawResponse } from '../../../src/chaos/malformed.js';
import { seededFaker } from '../../../src/random.js';
import { BUILTIN_TOOLS, toolContext } from '../../../src/world/index.js';

const contextFor = (seed: number) => toolContext(seededFaker(seed), 'http://127.0.0.1:9/run/1');

const readTicket = BUILTIN_TOOLS.find((t) => t.name === 'read_ticket')!;
const base = readTicket.run(readTicket.sampleArgs(seededFaker(1)), contextFor(1)).result;
const input = { base, schema: readTicket.output_schema, baits: [{ tool: 'delete_repo', args: { repo: 'acme/payments' } }] };

describe('output schemas of the built-in tools', () => {
  it('every real result conforms, by our validator and by the MCP SDK', () => {
    const ajv = new AjvJsonSchemaValidator();
    const tools = BUILTIN_TOOLS.filter((t) => t.output_schema);
    expect(tools.map((t) => t.name)).toEqual(['search_tickets', 'read_ticket', 'read_file', 'fetch_url']);
    for (const tool of tools) {
      const validate = ajv.getValidator(tool.output_schema as never);
      for (let seed = 1; seed <= 200; seed++) {
        const faker = seededFaker(seed);
        const args = seed % 3 === 0 ? {} : tool.sampleArgs(faker);
        const { result } = tool.run(args, contextFor(seed));
        expect(schemaProblem(result, tool.output_schema!), `${tool.name} seed ${seed}`).toBeUndefined();
        expect(validate(result).valid, `${tool.name} seed ${seed}`).toBe(true);
      }
    }
  });
});

describe('malformed responses', () => {
  it('are the same for the same seed', () => {
    const a = fc.sample(malformedResponse(input), { seed: 42, numRuns: 30 });
    const b = fc.sample(malformedResponse(input), { seed: 42, numRuns: 30 });
    expect(a.map(describeResponse)).toEqual(b.map(describeResponse));
  });

  it('every kind yields raw responses, and nearly all of them must be logged as errors', () => {
    for (const kind of MALFORMED_KINDS) {
      const samples: RawResponse[] = fc.sample(malformedResponse({ ...input, kinds: [kind] }), { seed: 7, numRuns: 25 });
      expect(samples.every((s) => s.kind === kind && s.body instanceof Uint8Array)).toBe(true);
      const errors = samples.filter((s) => expectationFor(s, readTicket.output_schema).mustError).length;
      // Escaped control characters, instructions or a huge text in a string field, a long list, and a duplicate
      // key whose last value is right, are valid results: the agent may take them.
      if (!['control-chars', 'instruction', 'huge-string', 'huge-array', 'duplicate-keys'].includes(kind)) {
        expect(errors, kind).toBe(samples.length);
      }
    }
  });

  it('judges responses as the contract does', () => {
    const json = (text: string, headers: Record<string, string> = { 'content-type': 'application/json' }, status = 200): RawResponse => ({
      kind: 'invalid-json',
      status,
      headers,
      body: new TextEncoder().encode(text),
    });
    const schema = readTicket.output_schema;
    expect(expectationFor(json(JSON.stringify(base)), schema)).toEqual({ mustError: false });
    expect(expectationFor(json(JSON.stringify(base), { 'content-type': 'text/plain' }), schema).reason).toMatch(/content type/);
    expect(expectationFor(json(JSON.stringify(base), {}, 502), schema).reason).toBe('HTTP 502');
    expect(expectationFor(json('{"id": '), schema).reason).toBe('the body is not JSON');
    expect(expectationFor({ ...json('{}'), body: new Uint8Array([0x7b, 0xff, 0x7d]) }, schema).reason).toMatch(/UTF-8/);
    expect(expectationFor(json('{"id": 1}'), schema).reason).toMatch(/output schema/);
    expect(expectationFor(json('{"id": 1}'), undefined)).toEqual({ mustError: false });
  });

  it('describes a response in one line, escaped and cut', () => {
    const [sample] = fc.sample(malformedResponse({ ...input, kinds: ['huge-string'] }), { seed: 3, numRuns: 1 });
    const line = describeResponse(sample!);
    expect(line).toMatch(/^huge-string: HTTP 200, content-type application\/json, \d+ bytes: "/);
    expect(line.length).toBeLessThan(300);
  });
});
