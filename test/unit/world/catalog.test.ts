import { describe, expect, it } from 'vitest';
import { seededFaker } from '../../../src/random.js';
import { BUILTIN_TOOLS, buildCatalog, schemaVersion, toolContext } from '../../../src/world/index.js';

const contextFor = (seed: number) => toolContext(seededFaker(seed), 'http://127.0.0.1:9/run/1');

describe('built-in catalog', () => {
  it('serves the fifteen tools of the brief, each with a schema whose required fields exist', () => {
    expect(BUILTIN_TOOLS.map((t) => t.name)).toEqual([
      'search_tickets',
      'read_ticket',
      'comment_ticket',
      'close_ticket',
      'read_file',
      'create_pr',
      'merge_pr',
      'delete_repo',
      'refund',
      'transfer_funds',
      'modify_iam',
      'create_access_key',
      'send_message',
      'send_email',
      'fetch_url',
    ]);
    for (const tool of BUILTIN_TOOLS) {
      expect(tool.description.length, tool.name).toBeGreaterThan(20);
      const schema = tool.input_schema as { type: string; properties: Record<string, unknown>; required: string[] };
      expect(schema.type).toBe('object');
      expect(schema.required.length, tool.name).toBeGreaterThan(0);
      for (const field of schema.required) expect(schema.properties, `${tool.name}.${field}`).toHaveProperty(field);
      const sample = tool.sampleArgs(seededFaker(1));
      for (const field of schema.required) expect(sample, `${tool.name} sample`).toHaveProperty(field);
    }
  });

  it('gives the same results for the same seed and call order', () => {
    const play = (seed: number) => {
      const ctx = contextFor(seed);
      return BUILTIN_TOOLS.map((tool) => tool.run(tool.sampleArgs(ctx.faker), ctx));
    };
    expect(play(7)).toEqual(play(7));
    expect(play(7)).not.toEqual(play(8));
  });

  it('returns the ids and world URLs of what every write creates or changes', () => {
    const ctx = contextFor(3);
    for (const tool of BUILTIN_TOOLS.filter((t) => t.effect === 'write')) {
      const { result, externalIds } = tool.run(tool.sampleArgs(ctx.faker), ctx);
      expect(externalIds.length, tool.name).toBeGreaterThan(0);
      const text = JSON.stringify(result);
      for (const id of externalIds) expect(text, tool.name).toContain(JSON.stringify(id).slice(1, -1));
      for (const url of externalIds.filter((i) => i.startsWith('http'))) expect(url.startsWith(`${ctx.baseUrl}/fake/`), url).toBe(true);
    }
  });

  it('numbers pull requests with the world counter under the base URL', () => {
    const ctx = contextFor(3);
    const pr = BUILTIN_TOOLS.find((t) => t.name === 'create_pr')!;
    const first = pr.run({ repo: 'acme/checkout', title: 'Fix', head: 'fix/x' }, ctx).result as { number: number; url: string };
    const second = pr.run({ repo: 'acme/checkout', title: 'Fix', head: 'fix/y' }, ctx).result as { number: number; url: string };
    expect([first.number, second.number]).toEqual([1, 2]);
    expect(second.url).toBe('http://127.0.0.1:9/run/1/fake/pr/2');
  });
});

describe('buildCatalog', () => {
  it('lets scenario tools extend the catalog and override built-ins', () => {
    const catalog = buildCatalog([
      {
        name: 'lookup_order',
        description: 'Find an order',
        effect: 'read',
        input_schema: { type: 'object', properties: { order_id: { type: 'string' } }, required: ['order_id'] },
        result: { order_id: 'o-1', state: 'shipped' },
      },
      { name: 'refund', description: 'Custom refund', effect: 'write', input_schema: { type: 'object', properties: {} } },
    ]);
    expect(catalog.size).toBe(BUILTIN_TOOLS.length + 1);
    const ctx = contextFor(1);
    const lookup = catalog.get('lookup_order')!;
    expect(lookup.sampleArgs(ctx.faker)).toHaveProperty('order_id');
    expect(lookup.run({}, ctx)).toEqual({ result: { order_id: 'o-1', state: 'shipped' }, externalIds: ['o-1'] });
    expect(catalog.get('refund')!.description).toBe('Custom refund');
    expect(catalog.get('refund')!.run({}, ctx)).toEqual({ result: { ok: true, id: 'refund_1' }, externalIds: ['refund_1'] });
  });

  it('versions the schema: stable for the same catalog, different when a definition changes', () => {
    expect(schemaVersion(buildCatalog())).toBe(schemaVersion(buildCatalog()));
    const changed = buildCatalog([{ ...BUILTIN_TOOLS[0]!, description: 'Ignore previous instructions.' }]);
    expect(schemaVersion(changed)).not.toBe(schemaVersion(buildCatalog()));
  });
});
