import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SHOWN_VALUE_MAX } from '../../../src/checks/approval-preview.js';
import { argsDifference, TIME_SLACK_MS, TIMEOUT_SLACK_MS } from '../../../src/checks/audit-match.js';
import { timeoutBound } from '../../../src/checks/budget-timeout.js';
import { MAX_TTL_TOLERANCE_MS } from '../../../src/checks/identity-short-lived.js';
import { controlCatalog } from '../../../src/checks/index.js';
import { manifestSchema, PACK_NAMES } from '../../../src/config/manifest.js';
import { DEFAULT_CASE_TIMEOUT_MS, DEFAULT_SEED } from '../../../src/runner/run.js';
import { AUDIT_TYPES } from '../../../src/world/audit-intake.js';
import { worldEnv } from '../../../src/world/env.js';
import { estimateTokens, flattenText, outputTokens } from '../../../src/world/model/view.js';
import { BUILTIN_TOOLS } from '../../../src/world/tools/catalog.js';
import { DEFAULT_TOKEN_TTL_S } from '../../../src/world/world.js';
import { generatedPart, renderToolCatalog } from './tool-catalog-doc.js';

// The docs an outside author passes the packs from are held to the code here: a rule changed in
// one place and not the other fails this file.

const docPath = (name: string) => fileURLToPath(new URL(`../../../docs/${name}`, import.meta.url));
const read = (name: string) => readFileSync(docPath(name), 'utf8');
const contract = read('agent-contract.md');
/** The contract with line breaks and runs of spaces collapsed, for phrases that wrap. */
const flat = contract.replace(/\s+/g, ' ');

/** A phrase the contract must state; a miss names the phrase, not the whole document. */
function expectStated(phrase: string, text = flat): void {
  expect(text.includes(phrase), `docs/agent-contract.md should say: ${phrase}`).toBe(true);
}

/** The text of one `## ` section of a document, up to the next `## ` heading. */
function section(doc: string, heading: string): string {
  const start = doc.indexOf(`\n## ${heading}`);
  if (start < 0) throw new Error(`no section "## ${heading}"`);
  const next = doc.indexOf('\n## ', start + 1);
  return doc.slice(start, next < 0 ? undefined : next);
}

/** The first column's backticked names of every table row in a text. */
function firstColumn(text: string): string[] {
  return [...text.matchAll(/^\| `([^`]+)`/gm)].map((m) => m[1] as string);
}

type Node = { def: { type: string; innerType?: Node; shape?: Record<string, Node> }; shape?: Record<string, Node> };

/** Every field path the manifest schema accepts, objects and their fields (lists and maps are leaves). */
function schemaPaths(node: Node, prefix = ''): string[] {
  let inner = node;
  while (inner.def.innerType && ['default', 'optional', 'nullable', 'prefault'].includes(inner.def.type)) inner = inner.def.innerType;
  if (inner.def.type !== 'object') return [];
  const shape = inner.shape ?? inner.def.shape ?? {};
  return Object.entries(shape).flatMap(([key, child]) => {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    return [path, ...schemaPaths(child, path)];
  });
}

describe('docs/tool-catalog.md', () => {
  const file = docPath('tool-catalog.md');

  // biome aligns markdown tables; what matters is the cells, not their padding.
  const cells = (text: string) => text.replace(/ +/g, ' ').replace(/-{3,}/g, '---');

  it('holds the catalog generated from the built-in tools (UPDATE_DOCS=1 rewrites it; then biome check --write docs)', () => {
    const doc = readFileSync(file, 'utf8');
    const generated = renderToolCatalog();
    const current = generatedPart(doc);
    expect(current, 'docs/tool-catalog.md has lost its generated-part markers').toBeDefined();
    if (process.env.UPDATE_DOCS === '1' && current !== undefined && cells(current) !== cells(generated)) {
      writeFileSync(file, doc.replace(current, generated));
      return;
    }
    expect(cells(current ?? '')).toBe(cells(generated));
  });

  it('names every built-in tool with the effect the world serves it with', () => {
    const doc = readFileSync(file, 'utf8');
    for (const tool of BUILTIN_TOOLS) expect(doc).toContain(`### \`${tool.name}\` (${tool.effect})`);
    const headings = [...doc.matchAll(/^### `([^`]+)` \((read|write)\)$/gm)].map((m) => m[1]);
    expect(headings).toEqual(BUILTIN_TOOLS.map((t) => t.name));
  });
});

describe('control ids in the docs an agent author reads', () => {
  it('are all registered controls (a typo or a renamed control fails here)', () => {
    const known = new Set(controlCatalog().map((c) => c.id));
    const records = new Set<string>(AUDIT_TYPES);
    for (const name of ['agent-contract.md', 'tool-catalog.md', 'framework-agents.md']) {
      const named = [...read(name).matchAll(/`((?:identity|authz|budget|approval|audit|security)\.[a-z-]+)`/g)].map((m) => m[1] as string);
      const unknown = [...new Set(named)].filter((id) => !known.has(id) && !records.has(id));
      expect(unknown, name).toEqual([]);
    }
  });
});

describe('docs/agent-contract.md', () => {
  it('says, per control and in pack order, what each control asks: the registry, no more, no less', () => {
    const guide = section(contract, 'What each control asks of an agent');
    const documented: { id: string; section: string }[] = [];
    let group = '';
    for (const line of guide.split('\n')) {
      const heading = /^### (\w+)$/.exec(line);
      if (heading) group = heading[1] as string;
      const control = /^#### `([^`]+)`$/.exec(line);
      if (control) documented.push({ id: control[1] as string, section: group });
    }
    // Packs in their order, then the harness's own guards (section `harness`, in no pack).
    const rank = (s: string) => {
      const i = PACK_NAMES.indexOf(s as (typeof PACK_NAMES)[number]);
      return i < 0 ? PACK_NAMES.length : i;
    };
    const registry = controlCatalog()
      .map(({ id, section }) => ({ id, section }))
      .sort((a, b) => rank(a.section) - rank(b.section));
    expect(documented).toEqual(registry);
  });

  it('documents every manifest field the schema accepts, and none it does not', () => {
    const table = firstColumn(section(contract, '6. The manifest'));
    expect(new Set(table).size).toBe(table.length);
    const schema = schemaPaths(manifestSchema as unknown as Node);
    expect([...table].sort()).toEqual([...schema].sort());
  });

  it('states the defaults the code applies', () => {
    const manifest = section(contract, '6. The manifest').replace(/\s+/g, ' ');
    expectStated(`\`run.case_timeout_ms\` | positive integer, default ${DEFAULT_CASE_TIMEOUT_MS} `, manifest);
    expectStated(`\`run.seed\` | integer ≥ 0, default ${DEFAULT_SEED} `, manifest);
    const parsed = manifestSchema.parse({ agent: { id: 'a', command: 'x' } });
    expect(parsed.identity.kill_grace_steps ?? 0).toBe(0);
    expectStated('`identity.kill_grace_steps` | integer ≥ 0, default 0 ', manifest);
    expectStated(`(seconds; ${DEFAULT_TOKEN_TTL_S} unless the scenario sets another)`);
  });

  it('lists every audit record type the harness accepts', () => {
    const table = section(contract, '4. The audit record');
    const types = [...table.matchAll(/^\| `([a-z.]+)`(?: \(extension\))? +\|/gm)].map((m) => m[1]);
    expect([...types].sort()).toEqual([...AUDIT_TYPES].sort());
  });

  it('lists every variable of the environment the world hands the agent', () => {
    const env = worldEnv({
      baseUrl: 'http://127.0.0.1:1/run/x',
      modelKey: 'k',
      clientId: 'c',
      clientSecret: 's',
      hints: { transport: 'mcp', stream: true },
      bait: {},
    });
    for (const name of [...Object.keys(env), 'AGENT_CHAOS_AUDIT_FILE', 'AGENT_CHAOS_TRIGGER_FILE']) {
      // Extensions are named with their value (`AGENT_CHAOS_HINT_STREAM=1`).
      expectStated(`\`${name}${name.startsWith('AGENT_CHAOS_HINT_') ? '=' : '`'}`);
    }
  });

  it("works the token example as the world's model endpoint counts it", () => {
    const messages = [
      { role: 'system', content: 'You triage tickets.' },
      { role: 'user', content: 'Checkout is down.' },
    ];
    const tools = [
      {
        type: 'function',
        function: {
          name: 'read_ticket',
          description: 'Read one ticket.',
          parameters: { type: 'object', properties: { ticket_id: { type: 'string' } } },
        },
      },
    ];
    // The doc quotes the request as spaced-out JSON: the code must read the same request.
    const quoted = (value: unknown) =>
      `\`${JSON.stringify(value)
        .replace(/":/g, '": ')
        .replace(/,(["{])/g, ', $1')}\``;
    expectStated(`messages ${quoted(messages)}`);
    expectStated(`one tool ${quoted(tools[0])}`);
    const text = flattenText(messages, tools);
    expectStated(
      `reads ${text.replace(/\n/g, '').length} characters in ${text.split('\n').length} strings, ${text.length} with the newlines: **${estimateTokens(text)} input tokens**`,
    );
    const rawArgs = JSON.stringify({ ticket_id: 'TCK-4821' });
    const out = outputTokens(undefined, [{ id: 'call_1', name: 'read_ticket', args: {}, rawArgs }]);
    expectStated(`with \`${rawArgs}\` is 11 + ${rawArgs.length} characters: **${out} output tokens**`);
  });

  it('reads a redaction marker in args the way the redaction table says', () => {
    expectStated('a marker stands for any text in its place; a string that is all marker stands for any value');
    const sent = { to: 'dana.okafor.1a2b@example.org', amount: 1250, note: 'call +1 555 0100 today' };
    expect(argsDifference({ to: '[REDACTED:email]', amount: '[REDACTED]', note: 'call [REDACTED:phone] today' }, sent)).toBeUndefined();
    // Only a marker stands for text: the rest of the value must be as sent.
    expect(argsDifference({ to: '[REDACTED:email]', amount: 1250, note: 'ring [REDACTED:phone] today' }, sent)).toBeDefined();
  });

  it('states the tolerances the checks apply', () => {
    expect(MAX_TTL_TOLERANCE_MS).toBe(250);
    expectStated(`(plus ${MAX_TTL_TOLERANCE_MS} ms) after it was issued`);
    expect(SHOWN_VALUE_MAX).toBe(64);
    expectStated(`every string of up to ${SHOWN_VALUE_MAX} characters`);
    expectStated(`tolerance ${TIME_SLACK_MS} ms plus the precision of the time`);
    expectStated(`more than ${TIMEOUT_SLACK_MS / 1000} s before your \`ended_at\``);
    // "the larger of 1 s and half the timeout", for short and long timeouts alike.
    expectStated('a tolerance of the larger of 1 s and half the timeout');
    for (const t of [100, 1000, 2000, 2001, 4000, 60_000]) expect(timeoutBound(t)).toBe(t + Math.max(1000, Math.round(t / 2)));
  });
});
