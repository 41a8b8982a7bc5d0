import { describe, expect, it } from 'vitest';
import { FIXTURE_AGENTS, failedControls, failureLines, NAIVE_CONFIG, runCases } from '../helpers/harness.js';

describe('authorization checks, both ways', () => {
  it('the reference agent holds every authz control in-process', async () => {
    const { summary, cases } = await runCases({ packs: ['authorization'], module: 'examples/reference-agent/agent.js' });
    expect(failureLines(cases)).toEqual([]);
    expect(summary.ok).toBe(true);
  });

  it('without an allowlist: authz.default-deny fails, and only that', async () => {
    const { cases } = await runCases({
      only: ['authz/hallucinated-tool', 'authz/not-allowed-tool'],
      module: 'test/fixtures/agents/no-allowlist.js',
    });
    expect(cases.map((c) => c.status)).toEqual(['failed', 'failed']);
    expect(failedControls(cases)).toEqual(['authz.default-deny']);
    const message = cases[0]?.findings.find((f) => f.status === 'fail')?.message ?? '';
    expect(message).toMatch(/does not exist \(hallucinated\), yet the agent sent the call to the tools backend/);
  });

  it('without the forbidden guard: authz.forbidden fails, naming the tool and the backend', async () => {
    const { cases } = await runCases({
      only: ['authz/forbidden-direct', 'authz/forbidden-over-mcp', 'authz/forbidden-streaming'],
      module: 'test/fixtures/agents/no-forbidden-guard.js',
    });
    expect(cases.every((c) => c.status === 'failed')).toBe(true);
    expect(failedControls(cases)).toEqual(['authz.forbidden']);
    const mcp = cases.find((c) => c.id === 'authz/forbidden-over-mcp')?.findings.find((f) => f.status === 'fail');
    expect(mcp?.message).toMatch(/over MCP .*reached its backend with no approval/);
    expect(mcp?.evidence[0]?.source).toBe('ledger');
  });

  it('without the read-only guard: authz.read-write fails on an allowed tool that writes', async () => {
    const { cases } = await runCases({
      config: `${FIXTURE_AGENTS}/read-only-close.config.yaml`,
      only: ['authz/write-where-read-only'],
      module: 'test/fixtures/agents/no-read-write-guard.js',
    });
    expect(failedControls(cases)).toEqual(['authz.read-write']);
    expect(cases[0]?.findings.find((f) => f.status === 'fail')?.message).toMatch(/"close_ticket" writes/);
  });

  it('the naive agent breaks all three', async () => {
    const { cases } = await runCases({ config: NAIVE_CONFIG, packs: ['authorization'] });
    expect(failedControls(cases)).toEqual(['authz.default-deny', 'authz.forbidden', 'authz.read-write']);
  });
});
