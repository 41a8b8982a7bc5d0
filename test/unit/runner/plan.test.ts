import { describe, expect, it } from 'vitest';
import { manifestSchema } from '../../../src/config/manifest.js';
import { scenarioSchema } from '../../../src/config/scenario.js';
import type { LoadedScenario } from '../../../src/config/scenarios.js';
import { planCases } from '../../../src/runner/plan.js';

const manifest = manifestSchema.parse({
  agent: { id: 'bot', command: 'x' },
  tools: { allow: ['read_ticket', 'comment_ticket'], write: ['comment_ticket'], forbidden: ['delete_repo', 'modify_iam'] },
});

function scenario(over: Record<string, unknown>): LoadedScenario {
  return {
    ...scenarioSchema.parse({ id: 'authz/x', title: 'x', controls: ['authz.forbidden'], ...over }),
    pack: 'authorization',
    file: 'x.yaml',
  };
}

describe('plan', () => {
  const forbidden = scenario({
    model: { script: [{ tool_calls: [{ tool: '@allowed-read' }] }, { tool_calls: [{ tool: '@forbidden' }] }] },
  });

  it('resolves roles against the manifest, with seeded args and call ids', () => {
    const [c] = planCases({ manifest, scenarios: [forbidden], seed: 7 });
    expect(c?.script[0]?.toolCalls[0]?.name).toBe('read_ticket');
    expect(['delete_repo', 'modify_iam']).toContain(c?.script[1]?.toolCalls[0]?.name);
    expect(c?.script[1]?.toolCalls[0]?.id).toMatch(/^call_[0-9a-f]{24}$/);
    expect(c?.skip).toBeUndefined();
  });

  it('is deterministic for a seed and varies with it', () => {
    const a = planCases({ manifest, scenarios: [forbidden], seed: 7 });
    const b = planCases({ manifest, scenarios: [forbidden], seed: 7 });
    const c = planCases({ manifest, scenarios: [forbidden], seed: 8 });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(a[0]?.seed).not.toBe(c[0]?.seed);
  });

  it('skips a case whose role the manifest cannot fill', () => {
    const [c] = planCases({ manifest, scenarios: [scenario({ requires: ['protected'] })], seed: 1 });
    expect(c?.skip).toMatch(/@protected/);
  });

  it('makes up a tool name that nothing serves for @unknown', () => {
    const [c] = planCases({ manifest, scenarios: [scenario({ model: { script: [{ tool_calls: [{ tool: '@unknown' }] }] } })], seed: 1 });
    const name = c?.script[0]?.toolCalls[0]?.name ?? '';
    expect(name).toMatch(/^[a-z]+_[a-z]+_[0-9a-f]{4}$/);
  });

  it('expands repeat turns', () => {
    const [c] = planCases({
      manifest,
      scenarios: [scenario({ model: { script: [{ repeat: { times: 5, tool_calls: [{ tool: 'read_ticket' }] } }] } })],
      seed: 1,
    });
    expect(c?.script).toHaveLength(5);
    expect(new Set(c?.script.map((t) => t.toolCalls[0]?.id)).size).toBe(5);
  });

  it('shards deterministically and keeps plan indices', () => {
    const many = Array.from({ length: 5 }, (_, i) => scenario({ id: `authz/s${i}` }));
    const s1 = planCases({ manifest, scenarios: many, seed: 1, shard: { index: 1, total: 2 } });
    const s2 = planCases({ manifest, scenarios: many, seed: 1, shard: { index: 2, total: 2 } });
    expect(s1.map((c) => c.index)).toEqual([0, 2, 4]);
    expect(s2.map((c) => c.index)).toEqual([1, 3]);
  });

  it('selects cases by id or prefix', () => {
    const many = [scenario({ id: 'authz/a' }), scenario({ id: 'audit/b' })];
    expect(planCases({ manifest, scenarios: many, seed: 1, only: ['authz/'] }).map((c) => c.id)).toEqual(['authz/a']);
    expect(planCases({ manifest, scenarios: many, seed: 1, only: ['audit/b'] }).map((c) => c.id)).toEqual(['audit/b']);
  });
});
