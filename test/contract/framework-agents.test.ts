import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PackName } from '../../src/config/common.js';
import { failedControls, failureLines, ROOT, runCases } from '../helpers/harness.js';

// Agents on real frameworks, written knowing only the contract, are judged like any other: each
// passes the packs it claims, in-process and as a process, and a broken variant fails exactly the
// control its break touches.
const FRAMEWORK_AGENTS = ['openai-sdk-agent', 'mcp-sdk-agent', 'vercel-ai-agent', 'anthropic-sdk-agent'] as const;
const configOf = (agent: string) => resolve(ROOT, 'examples', agent, 'agent-chaos.config.yaml');

// Packs built on other branches: run here once their scenarios are in the tree.
const LATER_PACKS = (['approvals', 'identity'] as PackName[]).filter((p) => existsSync(resolve(ROOT, 'scenarios', p)));

const notPassed = (cases: { id: string; status: string }[]) =>
  cases.filter((c) => c.status !== 'passed').map((c) => `${c.id}: ${c.status}`);

describe.each(FRAMEWORK_AGENTS)('%s', (agent) => {
  it('passes the authorization and audit packs in-process', async () => {
    const { cases } = await runCases({ config: configOf(agent), module: `examples/${agent}/agent.js`, packs: ['authorization', 'audit'] });
    // Most of these examples keep no model-token budget (their READMEs say so); the one audit case
    // that loops until a cap stops it shows that gap, under its own control and no other.
    const [looping, rest] = [
      cases.filter((c) => c.id === 'audit/escalation-trail'),
      cases.filter((c) => c.id !== 'audit/escalation-trail'),
    ];
    expect(failureLines(rest)).toEqual([]);
    expect(notPassed(rest)).toEqual([]);
    expect(failedControls(looping).filter((c) => c !== 'budget.model-tokens')).toEqual([]);
  });

  it.skipIf(LATER_PACKS.length === 0)(`passes the ${LATER_PACKS.join(' and ') || 'approvals'} pack(s) in-process`, async () => {
    const { cases } = await runCases({ config: configOf(agent), module: `examples/${agent}/agent.js`, packs: LATER_PACKS });
    expect(failureLines(cases)).toEqual([]);
    expect(notPassed(cases)).toEqual([]);
  });

  it('passes a case as a process, through its main.js', async () => {
    const { cases } = await runCases({
      config: configOf(agent),
      command: `node examples/${agent}/main.js`,
      only: ['authz/parallel-forbidden'],
    });
    expect(cases.map((c) => [c.id, c.adapter, c.status])).toEqual([['authz/parallel-forbidden', 'process', 'passed']]);
    expect(cases[0]?.agent.exitCode).toBe(0);
    expect(cases[0]?.agent.stdoutTail).toMatch(/fixed/);
  });
});

describe('broken framework agents fail the control they break', () => {
  it('openai runTools without the refusal listener: the runner still refuses, the audit is silent', async () => {
    const { cases } = await runCases({
      config: configOf('openai-sdk-agent'),
      module: 'test/fixtures/agents/openai-sdk-unaudited-refusals.js',
      only: ['authz/hallucinated-tool', 'authz/not-allowed-tool', 'authz/forbidden-direct'],
    });
    expect(cases.map((c) => c.status)).toEqual(['failed', 'failed', 'failed']);
    expect(failedControls(cases)).toEqual(['authz.default-deny', 'authz.forbidden']);
    const messages = cases.flatMap((c) => c.findings.filter((f) => f.status === 'fail').map((f) => f.message));
    // Nothing reached a backend: every failure is the missing denial record.
    for (const m of messages) expect(m).toMatch(/it did not run, but the audit has no tool\.denied/);
  });

  it('MCP client without its policy layer: every proposal reaches the MCP server', async () => {
    const { cases } = await runCases({
      config: configOf('mcp-sdk-agent'),
      module: 'test/fixtures/agents/mcp-sdk-no-policy-layer.js',
      only: ['authz/forbidden-over-mcp', 'authz/hallucinated-tool', 'authz/not-allowed-tool'],
    });
    expect(cases.map((c) => c.status)).toEqual(['failed', 'failed', 'failed']);
    expect(failedControls(cases)).toEqual(['authz.default-deny', 'authz.forbidden']);
    const forbidden = cases.find((c) => c.id === 'authz/forbidden-over-mcp')?.findings.find((f) => f.status === 'fail');
    expect(forbidden?.message).toMatch(/over MCP .*reached its backend with no approval/);
    expect(forbidden?.evidence[0]?.source).toBe('ledger');
  });

  it('Vercel generateText without its allowlist: a read outside the allowlist runs; the read-only rule and the SDK still hold the rest', async () => {
    const { cases } = await runCases({
      config: configOf('vercel-ai-agent'),
      module: 'test/fixtures/agents/vercel-ai-no-allowlist.js',
      only: ['authz/not-allowed-tool', 'authz/forbidden-direct', 'authz/hallucinated-tool'],
    });
    expect(Object.fromEntries(cases.map((c) => [c.id, c.status]))).toEqual({
      'authz/not-allowed-tool': 'failed',
      // Forbidden tools write, and the manifest does not let them: the read-only rule denies them.
      'authz/forbidden-direct': 'passed',
      // generateText was never given a tool by that name: the SDK refuses it, the repair hook logs it.
      'authz/hallucinated-tool': 'passed',
    });
    expect(failedControls(cases)).toEqual(['authz.default-deny']);
    const message = cases.find((c) => c.id === 'authz/not-allowed-tool')?.findings.find((f) => f.status === 'fail')?.message;
    expect(message).toMatch(/"read_file" is not in the allowlist, yet the agent sent the call to the tools backend/);
  });

  it('Anthropic tool-use loop with its token budget: the looping case holds the cap; without it, budget.model-tokens fails', async () => {
    const only = ['audit/escalation-trail'];
    const guarded = await runCases({ config: configOf('anthropic-sdk-agent'), module: 'examples/anthropic-sdk-agent/agent.js', only });
    expect(failureLines(guarded.cases)).toEqual([]);
    // It stopped on the token budget, not on the model-call cap.
    const audit = (guarded.cases[0]?.transcript?.audit ?? []) as { type?: string; budget?: string }[];
    expect(audit.filter((r) => r.type === 'budget.exceeded').map((r) => r.budget)).toEqual(['model_tokens']);

    const { cases } = await runCases({
      config: configOf('anthropic-sdk-agent'),
      module: 'test/fixtures/agents/anthropic-sdk-no-token-budget.js',
      only,
    });
    expect(failedControls(cases)).toEqual(['budget.model-tokens']);
    expect(cases[0]?.findings.find((f) => f.status === 'fail')?.message).toMatch(
      /model tokens over \d+ model request\(s\), over the cap of 20000/,
    );
  });
});
