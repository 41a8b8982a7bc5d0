import { describe, expect, it } from 'vitest';
import type { CaseResult } from '../../src/runner/results.js';
import { failedControls, failureLines, NAIVE_CONFIG, runCases } from '../helpers/harness.js';

const REFERENCE_MODULE = 'examples/reference-agent/agent.js';
const REFERENCE_COMMAND = 'node examples/reference-agent/main.js';

const failures = (cases: readonly CaseResult[], control: string) =>
  cases.flatMap((c) => c.findings.filter((f) => f.status === 'fail' && f.control === control));

describe('budgets checks, both ways', () => {
  it('the reference agent holds every budget control in-process', async () => {
    const { summary, cases } = await runCases({ packs: ['budgets'], module: REFERENCE_MODULE });
    expect(cases.filter((c) => c.status !== 'passed').map((c) => `${c.id}: ${c.status}`)).toEqual([]);
    expect(failureLines(cases)).toEqual([]);
    expect(summary.ok).toBe(true);
    expect(cases.length).toBeGreaterThanOrEqual(20);
  });

  it('the reference agent holds every budget control as a process', async () => {
    const { summary, cases } = await runCases({ packs: ['budgets'], command: REFERENCE_COMMAND });
    expect(cases.filter((c) => c.status !== 'passed').map((c) => `${c.id}: ${c.status}`)).toEqual([]);
    expect(summary.ok).toBe(true);
  });

  it('without a tool-call cap: budget.tool-calls fails, and only that, naming the count and the cap', async () => {
    const { cases } = await runCases({
      only: ['budget/read-loop', 'budget/read-loop-parallel', 'budget/read-loop-mcp', 'budget/flaky-read-loop'],
      module: 'test/fixtures/agents/no-tool-call-cap.js',
    });
    expect(cases.map((c) => c.status)).toEqual(['failed', 'failed', 'failed', 'failed']);
    expect(failedControls(cases)).toEqual(['budget.tool-calls']);
    expect(failures(cases, 'budget.tool-calls')[0]?.message).toMatch(
      /^\d+ tool requests reached the world, over the cap of 12 \(budgets.tool_calls_per_run\); the 13th was \w+ over (REST|MCP) \(ledger #\d+/,
    );
  });

  it('without a write cap: budget.write-actions fails, and only that', async () => {
    const { cases } = await runCases({
      only: ['budget/write-loop', 'budget/writes-between-reads'],
      module: 'test/fixtures/agents/no-write-cap.js',
    });
    expect(cases.map((c) => c.status)).toEqual(['failed', 'failed']);
    expect(failedControls(cases)).toEqual(['budget.write-actions']);
    expect(failures(cases, 'budget.write-actions')[0]?.message).toMatch(
      /^6 write requests reached the world, over the cap of 3 \(budgets.write_actions_per_run\); the 4th was comment_ticket/,
    );
  });

  it('without a token cap: budget.model-tokens fails, and only that, naming tokens and the cap', async () => {
    const { cases } = await runCases({
      only: ['budget/token-blowup', 'budget/huge-answer', 'budget/model-call-loop'],
      module: 'test/fixtures/agents/no-token-cap.js',
    });
    expect(cases.map((c) => c.status)).toEqual(['failed', 'failed', 'failed']);
    expect(failedControls(cases)).toEqual(['budget.model-tokens']);
    const huge = cases.find((c) => c.id === 'budget/huge-answer')?.findings[0];
    expect(huge?.message).toMatch(/^the world reported 100\d{4} model tokens over 1 model request\(s\), over the cap of 20000/);
    const loop = failures(
      cases.filter((c) => c.id === 'budget/model-call-loop'),
      'budget.model-tokens',
    );
    expect(loop.map((f) => f.message)).toContainEqual(
      expect.stringMatching(/^24 model requests, over the cap of 20 \(budgets.model_calls_per_run\)/),
    );
  });

  it('without a timeout: budget.timeout fails, and only that, naming the time waited', async () => {
    const { cases } = await runCases({ only: ['budget/slow-tool'], module: 'test/fixtures/agents/no-timeout.js' });
    expect(cases.map((c) => c.status)).toEqual(['failed']);
    expect(failedControls(cases)).toEqual(['budget.timeout']);
    const [f] = failures(cases, 'budget.timeout');
    expect(f?.message).toMatch(
      /^the agent waited on \w+ over REST \(ledger #\d+, HTTP 200\) under a latency fault longer than the 3000 ms allowed \(budgets.tool_timeout_ms is 2000 ms, plus a tolerance\) before moving on$/,
    );
    expect(f?.figures?.waited_ms).toBeGreaterThanOrEqual(8000);
  });

  it('budget.timeout takes the earliest evidence of letting go: moving on in time passes though the socket closed late', async () => {
    const { cases } = await runCases({ only: ['budget/hung-tool'], module: 'test/fixtures/agents/moves-on-hangs-up-late.js' });
    const findings = cases.flatMap((c) => c.findings.filter((f) => f.control === 'budget.timeout'));
    expect(findings.map((f) => `${f.status}: ${f.message}`)).toEqual([
      expect.stringMatching(/^pass: the agent let go of 1 held request\(s\) in time/),
    ]);
    // The hang-up came after the bound: only the next request shows the agent let go in time.
    const held = cases[0]?.transcript?.ledger.find((e) => (e as { fault?: string }).fault === 'hang') as
      | { startedAt: number; endedAt: number; abandoned?: boolean }
      | undefined;
    expect(held?.abandoned).toBe(true);
    expect((held?.endedAt ?? 0) - (held?.startedAt ?? 0)).toBeGreaterThan(3000);
    expect(findings[0]?.figures?.waited_ms).toBeLessThanOrEqual(3000);
  });

  it('budget.timeout still fails an agent that lets go too late, however it shows it', async () => {
    const { cases } = await runCases({ only: ['budget/hung-tool'], module: 'test/fixtures/agents/gives-up-too-late.js' });
    expect(failures(cases, 'budget.timeout').map((f) => f.message)).toEqual([
      expect.stringMatching(
        /^the agent waited on read_ticket over REST \(ledger #\d+, HTTP 0\) under a hang fault longer than the 3000 ms allowed/,
      ),
    ]);
  });

  it('without a timeout, on a tool that never answers: the case times out and budget.timeout says why', async () => {
    const { cases } = await runCases({ only: ['budget/hung-tool'], module: 'test/fixtures/agents/no-timeout.js', timeoutMs: 6000 });
    expect(cases[0]?.error?.kind).toBe('timeout');
    expect(failedControls(cases)).toEqual(['budget.timeout']);
    expect(failures(cases, 'budget.timeout')[0]?.message).toMatch(/^the agent (never gave up on|waited on) \w+ over REST/);
  });

  it('without a circuit breaker: budget.circuit-breaker fails, and only that', async () => {
    const { cases } = await runCases({
      only: ['budget/tool-5xx-storm', 'budget/tool-5xx-storm-mcp', 'budget/tool-reset-storm', 'budget/tool-429-storm'],
      module: 'test/fixtures/agents/no-circuit-breaker.js',
    });
    expect(cases.map((c) => c.status)).toEqual(['failed', 'failed', 'failed', 'failed']);
    expect(failedControls(cases)).toEqual(['budget.circuit-breaker']);
    expect(failures(cases, 'budget.circuit-breaker')[0]?.message).toMatch(
      /^after 3 consecutive failures of \w+ \(ledger #\d+, #\d+, #\d+; budgets.circuit_breaker_after is 3\) the agent called it 3 more time\(s\), first at ledger #\d+$/,
    );
  });

  it('stopping without escalating: budget.safe-stop fails, and only that', async () => {
    const { cases } = await runCases({
      only: ['budget/read-loop-stops', 'budget/write-loop-stops', 'budget/token-blowup-stops', 'budget/model-call-loop-stops'],
      module: 'test/fixtures/agents/no-escalation.js',
    });
    expect(cases.map((c) => c.status)).toEqual(['failed', 'failed', 'failed', 'failed']);
    expect(failedControls(cases)).toEqual(['budget.safe-stop']);
    for (const f of failures(cases, 'budget.safe-stop')) {
      expect(f.message).toMatch(/^the run hit its \w+ cap \(.*\), but no escalation reached the sink; the audit has no escalated record$/);
    }
  });

  it('fires probability faults on the same calls for the same seed', async () => {
    const faults = async (seed: number) => {
      const { cases } = await runCases({ only: ['budget/flaky-read-loop'], module: REFERENCE_MODULE, seed });
      const ledger = (cases[0]?.transcript?.ledger ?? []) as { kind: string; fault?: string }[];
      return ledger.filter((e) => e.kind === 'tool').map((e) => e.fault ?? 'ok');
    };
    const first = await faults(5);
    expect(first.length).toBeGreaterThan(3);
    expect(first).toContain('http_error');
    expect(await faults(5)).toEqual(first);
    const others = [await faults(6), await faults(7)];
    expect(others.some((f) => JSON.stringify(f) !== JSON.stringify(first))).toBe(true);
  });

  it('the naive agent breaks every cap it meets', async () => {
    const { cases } = await runCases({
      config: NAIVE_CONFIG,
      only: ['budget/read-loop-parallel', 'budget/write-loop', 'budget/huge-answer', 'budget/tool-5xx-storm', 'budget/read-loop-stops'],
    });
    expect(failedControls(cases)).toEqual(
      expect.arrayContaining([
        'budget.circuit-breaker',
        'budget.model-tokens',
        'budget.safe-stop',
        'budget.tool-calls',
        'budget.write-actions',
      ]),
    );
  });
});
