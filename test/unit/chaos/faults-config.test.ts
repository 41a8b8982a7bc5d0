import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { manifestSchema } from '../../../src/config/manifest.js';
import { scenarioSchema } from '../../../src/config/scenario.js';
import { type LoadedScenario, loadPacks, loadScenarioFile } from '../../../src/config/scenarios.js';
import { planCases } from '../../../src/runner/plan.js';
import { configErrorOf } from '../../helpers/config-error.js';
import { ROOT } from '../../helpers/harness.js';

const dirs: string[] = [];
function file(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'ac-faults-'));
  dirs.push(dir);
  const path = join(dir, 'x.yaml');
  writeFileSync(path, text);
  return path;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const errorOf = (text: string) => configErrorOf(() => loadScenarioFile(file(text), 'budgets'));

const SCENARIO = `id: budget/x
title: X
controls: [budget.timeout]
faults:
  - target: read_ticket
    fault: { type: hang }
    when: { call: 1 }
model:
  script:
    - tool_calls: [{ tool: read_ticket }]
`;

describe('faults: in a scenario file', () => {
  it('loads a valid rule, with defaults filled in', () => {
    const s = loadScenarioFile(file(SCENARIO.replace('{ type: hang }', '{ type: http_error }')), 'budgets');
    expect(s.faults).toEqual([{ target: 'read_ticket', fault: { type: 'http_error', status: 503 }, when: { call: 1 } }]);
  });

  it('a fault that does not exist is a config error naming file, line and field', () => {
    const err = errorOf(SCENARIO.replace('type: hang', 'type: explode'));
    expect(err.location).toMatchObject({ line: 6, field: 'faults[0].fault.type' });
    expect(err.location.file).toMatch(/x\.yaml$/);
    expect(err.detail).toMatch(/unknown fault type; faults are latency, hang, reset, http_error, rate_limit, slow_body/);
    expect(err.message).toMatch(/x\.yaml:6:\d+: faults\[0\]\.fault\.type: unknown fault type/);
  });

  it('refuses an option the fault does not have, and a value out of range', () => {
    const extra = errorOf(SCENARIO.replace('{ type: hang }', '{ type: hang, ms: 5 }'));
    expect(extra.location).toMatchObject({ line: 6, field: 'faults[0].fault.ms' });
    expect(extra.detail).toBe('unknown field "ms"');
    const status = errorOf(SCENARIO.replace('{ type: hang }', '{ type: http_error, status: 404 }'));
    expect(status.location.field).toBe('faults[0].fault.status');
  });

  it('refuses a firing rule that contradicts itself', () => {
    const both = errorOf(SCENARIO.replace('{ call: 1 }', '{ call: 1, from: 2 }'));
    expect(both.location).toMatchObject({ line: 7, field: 'faults[0].when.call' });
    const backwards = errorOf(SCENARIO.replace('{ call: 1 }', '{ from: 4, to: 2 }'));
    expect(backwards.detail).toBe('"to" (2) is before "from" (4)');
    const never = errorOf(SCENARIO.replace('{ call: 1 }', '{ probability: 0 }'));
    expect(never.location.field).toBe('faults[0].when.probability');
  });

  it('refuses a target the world does not serve, and an unknown role', () => {
    const tool = errorOf(SCENARIO.replace('target: read_ticket', 'target: read_tickets'));
    expect(tool.location).toMatchObject({ line: 5, field: 'faults[0].target' });
    expect(tool.detail).toMatch(/unknown fault target "read_tickets"/);
    const role = errorOf(SCENARIO.replace('target: read_ticket', 'target: "@allowed-reads"'));
    expect(role.detail).toMatch(/unknown tool role/);
  });

  it('refuses raw headers the bridge owns', () => {
    const err = errorOf(SCENARIO.replace('{ type: hang }', '{ type: raw, headers: { Content-Length: "9" }, body: "x" }'));
    expect(err.detail).toMatch(/"Content-Length" is set by the bridge/);
  });

  it('every built-in budgets scenario loads', () => {
    const scenarios = loadPacks([join(ROOT, 'scenarios')], ['budgets']);
    expect(scenarios.length).toBeGreaterThanOrEqual(20);
    expect(new Set(scenarios.flatMap((s) => s.faults.map((f) => f.fault.type)))).toEqual(
      new Set(['hang', 'latency', 'slow_body', 'http_error', 'rate_limit', 'reset', 'truncated_body', 'wrong_content_type', 'empty_body']),
    );
  });
});

describe('faults: in the plan', () => {
  const manifest = manifestSchema.parse({
    agent: { id: 'bot', command: 'x' },
    tools: { allow: ['read_ticket', 'search_tickets', 'comment_ticket'], write: ['comment_ticket'] },
    budgets: { tool_calls_per_run: 5 },
  });
  const scenario = (over: Record<string, unknown>): LoadedScenario => ({
    ...scenarioSchema.parse({ id: 'budget/x', title: 'x', controls: ['budget.tool-calls'], ...over }),
    pack: 'budgets',
    file: 'x.yaml',
  });

  it('resolves a role target to the tool the script uses for that role', () => {
    const s = scenario({
      model: { script: [{ tool_calls: [{ tool: '@allowed-read' }] }] },
      faults: [
        { target: '@allowed-read', fault: { type: 'reset' } },
        { target: 'model', fault: { type: 'hang' }, when: { call: 2 } },
        { target: '*', fault: { type: 'latency', ms: 10 } },
      ],
    });
    for (const seed of [1, 2, 3, 4]) {
      const [c] = planCases({ manifest, scenarios: [s], seed });
      expect(c?.faults?.[0]?.target).toEqual({ kind: 'tool', name: c?.script[0]?.toolCalls[0]?.name });
      expect(c?.faults?.slice(1).map((f) => f.target)).toEqual([{ kind: 'model' }, { kind: 'any-tool' }]);
    }
  });

  it('sizes a repeat by a budget, and skips the case when the manifest has none', () => {
    const over = (budget: string) =>
      scenario({
        model: {
          script: [{ repeat: { times: { over: budget, plus: 2 }, tool_calls: [{ tool: 'read_ticket' }], extra_output_tokens: 900 } }],
        },
      });
    const [sized] = planCases({ manifest, scenarios: [over('tool_calls_per_run')], seed: 1 });
    expect(sized?.script).toHaveLength(7);
    expect(sized?.script.every((t) => t.extraOutputTokens === 900)).toBe(true);
    const [skipped] = planCases({ manifest, scenarios: [over('write_actions_per_run')], seed: 1 });
    expect(skipped?.skip).toBe('the manifest sets no budgets.write_actions_per_run to repeat past');
  });
});
