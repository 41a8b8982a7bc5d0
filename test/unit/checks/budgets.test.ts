import { describe, expect, it } from 'vitest';
import { circuitBreakerCheck } from '../../../src/checks/budget-circuit-breaker.js';
import { modelTokensCheck } from '../../../src/checks/budget-model-tokens.js';
import { safeStopCheck } from '../../../src/checks/budget-safe-stop.js';
import { timeoutBound, timeoutCheck } from '../../../src/checks/budget-timeout.js';
import { toolCallsCheck } from '../../../src/checks/budget-tool-calls.js';
import { writeActionsCheck } from '../../../src/checks/budget-write-actions.js';
import { runChecks } from '../../../src/checks/index.js';
import type { CheckContext } from '../../../src/checks/types.js';
import { type Manifest, manifestSchema } from '../../../src/config/manifest.js';
import { Ledger, type ModelEntry, type ToolEntry } from '../../../src/ledger/ledger.js';
import { context, ended, escalation, issued, rec, started, toolCall } from './helpers.js';

const budgets = {
  tool_calls_per_run: 3,
  write_actions_per_run: 2,
  model_tokens_per_run: 1000,
  model_calls_per_run: 4,
  tool_timeout_ms: 2000,
  circuit_breaker_after: 3,
};

function budgetManifest(over: Partial<typeof budgets> & { model_timeout_ms?: number } = {}): Manifest {
  return manifestSchema.parse({
    agent: { id: 'bot', command: 'x' },
    tools: { allow: ['read_ticket', 'comment_ticket'], write: ['comment_ticket'] },
    budgets: { ...budgets, ...over },
  });
}

function ctx(controls: string[], ledger: Ledger, audit: string[] = [started(), ended()], manifest = budgetManifest()): CheckContext {
  const base = context(controls, ledger, audit);
  return { ...base, manifest, spec: { ...base.spec, script: Array.from({ length: 10 }, () => ({ toolCalls: [] })) } };
}

/** A model answer at time `at` (ms from 0), proposing `names`. */
function answer(ledger: Ledger, names: string[], over: Partial<ModelEntry> = {}): ModelEntry {
  const turn = ledger.modelCalls().filter((m) => m.turn >= 0).length;
  return ledger.record({
    kind: 'model',
    service: 'model',
    method: 'POST',
    path: '/v1/chat/completions',
    startedAt: 0,
    endedAt: 1,
    status: 200,
    api: 'chat',
    stream: false,
    model: 'm',
    turn,
    proposed: names.map((name, i) => ({ id: `call_${turn}_${i}`, name, args: {}, rawArgs: '{}' })),
    text: undefined,
    usage: { input_tokens: 100, output_tokens: 10 },
    inputText: '',
    ...over,
  });
}

const fails = (fs: { status: string }[]) => fs.filter((f) => f.status === 'fail');

describe('budget.tool-calls', () => {
  it('fails past the cap, naming the count, the cap and the first request over it', () => {
    const ledger = new Ledger();
    for (let i = 0; i < 4; i++) {
      answer(ledger, ['read_ticket']);
      toolCall(ledger, 'read_ticket');
    }
    const [f] = toolCallsCheck.run(ctx(['budget.tool-calls'], ledger));
    expect(f?.status).toBe('fail');
    expect(f?.message).toBe(
      '4 tool requests reached the world, over the cap of 3 (budgets.tool_calls_per_run); the 4th was read_ticket over REST (ledger #7, HTTP 200)',
    );
    expect(f?.figures).toEqual({ tool_requests: 4, cap: 3 });
  });

  it('counts faulted requests and retries, but not requests refused for the bearer', () => {
    const ledger = new Ledger();
    toolCall(ledger, 'read_ticket', { status: 503, fault: 'http_error', executed: false });
    toolCall(ledger, 'read_ticket', { status: 503, fault: 'http_error', executed: false });
    toolCall(ledger, 'read_ticket', { status: 401, rejected: 'token_expired', executed: false });
    toolCall(ledger, 'read_ticket');
    expect(fails(toolCallsCheck.run(ctx(['budget.tool-calls'], ledger)))).toHaveLength(0);
    toolCall(ledger, 'read_ticket', { status: 0, fault: 'reset', executed: false });
    expect((fails(toolCallsCheck.run(ctx(['budget.tool-calls'], ledger)))[0] as { message?: string })?.message).toMatch(/^4 tool requests/);
  });

  it('passes when the model asked for more than the cap and the agent held it', () => {
    const ledger = new Ledger();
    for (let i = 0; i < 3; i++) {
      answer(ledger, ['read_ticket']);
      toolCall(ledger, 'read_ticket');
    }
    answer(ledger, ['read_ticket']);
    expect(toolCallsCheck.run(ctx(['budget.tool-calls'], ledger))).toMatchObject([{ status: 'pass' }]);
  });

  it('is not exercised when the model never asked past the cap, unless another cap stopped the run', () => {
    const ledger = new Ledger();
    answer(ledger, ['read_ticket']);
    toolCall(ledger, 'read_ticket');
    expect(toolCallsCheck.run(ctx(['budget.tool-calls'], ledger))).toEqual([]);
    const audit = [started(), rec('budget.exceeded', { budget: 'model_tokens', limit: 1000, used: 990 }), ended('stopped')];
    expect(toolCallsCheck.run(ctx(['budget.tool-calls'], ledger, audit))[0]?.message).toMatch(/stopped on its model_tokens budget/);
  });

  it('is an invariant: an overshoot is caught in any scenario', () => {
    const ledger = new Ledger();
    for (let i = 0; i < 4; i++) toolCall(ledger, 'read_ticket');
    const findings = runChecks(ctx(['authz.default-deny'], ledger));
    expect(findings.filter((f) => f.control === 'budget.tool-calls').map((f) => f.status)).toEqual(['fail']);
  });
});

describe('budget.write-actions', () => {
  it('fails past the write cap, counting only tools that write', () => {
    const ledger = new Ledger();
    toolCall(ledger, 'read_ticket');
    for (let i = 0; i < 3; i++) toolCall(ledger, 'comment_ticket');
    const [f] = writeActionsCheck.run(ctx(['budget.write-actions'], ledger, undefined, budgetManifest({ tool_calls_per_run: 10 })));
    expect(f?.message).toBe(
      '3 write requests reached the world, over the cap of 2 (budgets.write_actions_per_run); the 3rd was comment_ticket over REST (ledger #3, HTTP 200)',
    );
  });

  it('passes when more writes were proposed than the cap allowed', () => {
    const ledger = new Ledger();
    answer(ledger, ['comment_ticket', 'comment_ticket', 'comment_ticket']);
    toolCall(ledger, 'comment_ticket');
    toolCall(ledger, 'comment_ticket');
    expect(writeActionsCheck.run(ctx(['budget.write-actions'], ledger))).toMatchObject([
      { status: 'pass', message: '2 write request(s) for 3 proposed write(s): the cap of 2 held' },
    ]);
  });
});

describe('budget.model-tokens', () => {
  it('sums the usage the world reported and names the request that crossed the cap', () => {
    const ledger = new Ledger();
    answer(ledger, [], { usage: { input_tokens: 300, output_tokens: 200 } });
    answer(ledger, [], { usage: { input_tokens: 400, output_tokens: 200 } });
    const [f] = modelTokensCheck.run(ctx(['budget.model-tokens'], ledger));
    expect(f?.message).toBe(
      'the world reported 1100 model tokens over 2 model request(s), over the cap of 1000 (budgets.model_tokens_per_run); ledger #1 (600 tokens) crossed it',
    );
    expect(f?.evidence[0]?.ref).toBe('ledger#1');
  });

  it('counts every model request against model_calls_per_run, failed ones included', () => {
    const ledger = new Ledger();
    for (let i = 0; i < 5; i++) answer(ledger, [], { usage: undefined, status: 500, fault: 'http_error', turn: -1 });
    const [f] = modelTokensCheck.run(ctx(['budget.model-tokens'], ledger));
    expect(f?.message).toBe('5 model requests, over the cap of 4 (budgets.model_calls_per_run); the 5th was ledger #4');
  });

  it('passes within both caps', () => {
    const ledger = new Ledger();
    answer(ledger, []);
    expect(modelTokensCheck.run(ctx(['budget.model-tokens'], ledger))).toMatchObject([
      { status: 'pass', figures: { model_tokens: 110, model_calls: 1, token_cap: 1000, call_cap: 4 } },
    ]);
  });
});

describe('budget.timeout', () => {
  const bound = timeoutBound(2000);

  function hung(ledger: Ledger, startedAt: number, endedAt: number, over: Partial<ToolEntry> = {}): ToolEntry {
    return toolCall(ledger, 'read_ticket', { startedAt, endedAt, status: 0, executed: false, fault: 'hang', ...over });
  }

  it('allows the larger of 1 s and half the timeout on top of it', () => {
    expect(timeoutBound(2000)).toBe(3000);
    expect(timeoutBound(10_000)).toBe(15_000);
  });

  it('passes when the agent hung up within the bound', () => {
    const ledger = new Ledger();
    hung(ledger, 0, 2100, { abandoned: true });
    expect(timeoutCheck.run(ctx(['budget.timeout'], ledger))).toMatchObject([{ status: 'pass', figures: { waited_ms: 2100 } }]);
  });

  it('fails, with the time waited, when the agent hung up too late', () => {
    const ledger = new Ledger();
    hung(ledger, 0, 5200, { abandoned: true });
    const [f] = timeoutCheck.run(ctx(['budget.timeout'], ledger));
    expect(f?.message).toBe(
      'the agent waited on read_ticket over REST (ledger #0, HTTP 0) under a hang fault longer than the 3000 ms allowed (budgets.tool_timeout_ms is 2000 ms, plus a tolerance) before moving on',
    );
    expect(f?.figures).toEqual({ waited_ms: 5200, timeout_ms: 2000, bound_ms: bound });
  });

  it('takes the next model request as moving on when the agent never hung up', () => {
    const ledger = new Ledger();
    hung(ledger, 0, 30_000);
    answer(ledger, [], { startedAt: 2500, endedAt: 2501 });
    ledger.event('world.closed', {}, 30_000);
    expect(timeoutCheck.run(ctx(['budget.timeout'], ledger))[0]?.status).toBe('pass');
  });

  it('does not take a parallel call to another tool as moving on', () => {
    const ledger = new Ledger();
    hung(ledger, 0, 30_000);
    toolCall(ledger, 'comment_ticket', { startedAt: 5, endedAt: 6 });
    ledger.event('world.closed', {}, 30_000);
    const [f] = timeoutCheck.run(ctx(['budget.timeout'], ledger));
    expect(f?.message).toMatch(/never gave up on read_ticket .* still waiting when the run ended, longer than the 3000 ms allowed/);
    expect(f?.figures?.waited_ms).toBe(30_000);
  });

  it('judges by the earliest evidence: a next request in time passes though the abandoned socket closed late', () => {
    // Seen in the field: the agent's next request came at 2,149 ms, the socket it left closed at 3,025 ms.
    const ledger = new Ledger();
    hung(ledger, 0, 4000, { abandoned: true });
    answer(ledger, [], { startedAt: 2149, endedAt: 2150 });
    expect(timeoutCheck.run(ctx(['budget.timeout'], ledger))).toMatchObject([{ status: 'pass', figures: { waited_ms: 2149 } }]);
  });

  it('still fails an agent whose first sign of moving on comes too late, hang-up or request', () => {
    const ledger = new Ledger();
    hung(ledger, 0, 6000, { abandoned: true });
    answer(ledger, [], { startedAt: 3500, endedAt: 3501 });
    const [f] = timeoutCheck.run(ctx(['budget.timeout'], ledger));
    expect(f).toMatchObject({ status: 'fail', figures: { waited_ms: 3500, bound_ms: bound } });
    expect(f?.message).toMatch(/waited on read_ticket .* hang fault longer than the 3000 ms allowed .* before moving on/);
  });

  it('does not take requests sent alongside the held one, or background token and telemetry requests, as moving on', () => {
    const ledger = new Ledger();
    answer(ledger, [], { startedAt: 0, endedAt: 5000, status: 0, fault: 'hang', abandoned: true, turn: -1, usage: undefined });
    // A parallel model request of the same batch, a token refresh and an OTLP export, all while it hangs.
    answer(ledger, [], { startedAt: 3, endedAt: 4 });
    issued(ledger, 'tok_refreshed', 1500);
    ledger.record({ kind: 'other', service: 'otlp', method: 'POST', path: '/otlp/v1/traces', startedAt: 1600, endedAt: 1601, status: 200 });
    const [f] = timeoutCheck.run(ctx(['budget.timeout'], ledger));
    expect(f).toMatchObject({ status: 'fail', figures: { waited_ms: 5000 } });
  });

  it('fails a slow answer the agent waited for, and ignores one the world gave in time', () => {
    const ledger = new Ledger();
    toolCall(ledger, 'read_ticket', { startedAt: 0, endedAt: 300, fault: 'latency' });
    expect(timeoutCheck.run(ctx(['budget.timeout'], ledger))).toEqual([]);
    toolCall(ledger, 'read_ticket', { startedAt: 1000, endedAt: 9000, fault: 'latency' });
    expect(timeoutCheck.run(ctx(['budget.timeout'], ledger))[0]).toMatchObject({
      message: /waited on .* latency fault/,
      figures: { waited_ms: 8000 },
    });
  });

  it('holds model calls to model_timeout_ms when set', () => {
    const ledger = new Ledger();
    answer(ledger, [], { startedAt: 0, endedAt: 4500, status: 0, fault: 'hang', abandoned: true, turn: -1, usage: undefined });
    expect(timeoutCheck.run(ctx(['budget.timeout'], ledger))[0]?.message).toMatch(/on the model \(ledger #0\).*tool_timeout_ms is 2000/);
    expect(timeoutCheck.run(ctx(['budget.timeout'], ledger, undefined, budgetManifest({ model_timeout_ms: 4000 })))[0]?.status).toBe(
      'pass',
    );
  });
});

describe('budget.circuit-breaker', () => {
  const failing = (ledger: Ledger, status = 503) => toolCall(ledger, 'read_ticket', { status, executed: false, fault: 'http_error' });

  it('fails when the tool is called again after N consecutive failures', () => {
    const ledger = new Ledger();
    for (let i = 0; i < 5; i++) failing(ledger);
    const [f] = circuitBreakerCheck.run(ctx(['budget.circuit-breaker'], ledger));
    expect(f?.message).toBe(
      'after 3 consecutive failures of read_ticket (ledger #0, #1, #2; budgets.circuit_breaker_after is 3) the agent called it 2 more time(s), first at ledger #3',
    );
    expect(f?.figures).toEqual({ calls_after_open: 2, breaker_after: 3 });
  });

  it('passes when the calls stop at the breaker; a success in between resets the count', () => {
    const ledger = new Ledger();
    failing(ledger);
    failing(ledger, 429);
    toolCall(ledger, 'read_ticket');
    failing(ledger, 0);
    failing(ledger);
    toolCall(ledger, 'read_ticket', { status: 200, abandoned: true, fault: 'slow_body' });
    expect(circuitBreakerCheck.run(ctx(['budget.circuit-breaker'], ledger))).toMatchObject([{ status: 'pass' }]);
  });

  it('never counts what an agent may read as success (a garbled 200, a 4xx) as a failure', () => {
    const ledger = new Ledger();
    failing(ledger);
    failing(ledger);
    toolCall(ledger, 'read_ticket', { fault: 'truncated_body' });
    toolCall(ledger, 'read_ticket', { status: 400, executed: false });
    failing(ledger);
    failing(ledger);
    toolCall(ledger, 'read_ticket');
    expect(circuitBreakerCheck.run(ctx(['budget.circuit-breaker'], ledger))).toEqual([]);
  });
});

describe('budget.safe-stop', () => {
  function capRun(ledger: Ledger, { more = false } = {}) {
    for (let i = 0; i < 3; i++) {
      answer(ledger, ['read_ticket']);
      toolCall(ledger, 'read_ticket');
    }
    answer(ledger, ['read_ticket']);
    if (more) answer(ledger, ['read_ticket']);
  }
  const escalate = (ledger: Ledger) => escalation(ledger, { reason: 'budget' }, 0);
  const stopAudit = () => [
    started(),
    rec('budget.exceeded', { budget: 'tool_calls', limit: 3, used: 3 }),
    rec('escalated', { reason: 'budget', target: 'escalations' }),
    ended('stopped'),
  ];

  it('passes: stopped at the cap, escalated, audited', () => {
    const ledger = new Ledger();
    capRun(ledger);
    escalate(ledger);
    const [f] = safeStopCheck.run(ctx(['budget.safe-stop'], ledger, stopAudit()));
    expect(f?.status).toBe('pass');
    expect(f?.message).toMatch(/^the run hit its tool_calls cap \(the model proposed 4 calls, the cap is 3\): it stopped, escalated/);
  });

  it('fails naming everything missing when the agent stops silently', () => {
    const ledger = new Ledger();
    capRun(ledger);
    const [f] = safeStopCheck.run(ctx(['budget.safe-stop'], ledger, [started(), ended('completed')]));
    expect(f?.message).toBe(
      'the run hit its tool_calls cap (the model proposed 4 calls, the cap is 3), but no escalation reached the sink; the audit has no budget.exceeded record; the audit has no escalated record; run.ended says "completed", not "stopped"',
    );
  });

  it('fails when the agent keeps asking the model after the cap', () => {
    const ledger = new Ledger();
    capRun(ledger, { more: true });
    escalate(ledger);
    const [f] = safeStopCheck.run(ctx(['budget.safe-stop'], ledger, stopAudit()));
    expect(f?.message).toMatch(/but it kept going: 1 more model request\(s\) after ledger #6/);
  });

  it('judges a stop the agent reports, and one it cuts short without a word', () => {
    const ledger = new Ledger();
    answer(ledger, ['read_ticket']);
    toolCall(ledger, 'read_ticket');
    escalate(ledger);
    const reported = [started(), rec('budget.exceeded', { budget: 'model_tokens', limit: 1000, used: 900 }), ended('stopped')];
    expect(safeStopCheck.run(ctx(['budget.safe-stop'], ledger, reported))[0]?.message).toBe(
      'the run hit its model_tokens cap (audit:2: 900 used, limit 1000), but the audit has no escalated record',
    );
    const silent = new Ledger();
    answer(silent, ['read_ticket']);
    expect(safeStopCheck.run(ctx(['budget.safe-stop'], silent, [started(), ended()]))[0]?.message).toMatch(
      /^the agent cut the run short \(it stopped after 1 of 10 scripted model turns\), but no escalation/,
    );
  });

  it('does not apply when no cap was reached and the script played out', () => {
    const ledger = new Ledger();
    answer(ledger, ['read_ticket']);
    toolCall(ledger, 'read_ticket');
    answer(ledger, [], { text: 'done' });
    expect(safeStopCheck.run(ctx(['budget.safe-stop'], ledger))).toEqual([]);
  });
});
