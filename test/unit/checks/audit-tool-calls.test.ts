import { describe, expect, it } from 'vitest';
import { argsDifference, firstDifference } from '../../../src/checks/audit-match.js';
import { auditToolCallsCheck } from '../../../src/checks/audit-tool-calls.js';
import { comment, honest, iso, read, Scene, T0 } from './audit-scene.js';
import { escalation } from './helpers.js';

const CONTROL = 'audit.tool-calls';
const failures = (s: Scene) =>
  auditToolCallsCheck
    .run(s.context([CONTROL]))
    .filter((f) => f.status === 'fail')
    .map((f) => f.message);

describe('redaction-aware argument matching', () => {
  it('lets [REDACTED] and [REDACTED:kind] stand for any text in place', () => {
    expect(firstDifference({ token: '[REDACTED]' }, { token: 'sk-live-123' })).toBeUndefined();
    expect(firstDifference('call [REDACTED:phone] today', 'call +1 555 123 4567 today')).toBeUndefined();
    expect(firstDifference('[REDACTED:email] and [REDACTED:email]', 'a@b.io and c@d.io')).toBeUndefined();
    expect(firstDifference({ card: '[REDACTED:card_number]' }, { card: 4111111111111111 })).toBeUndefined();
  });

  it('still tells other text, other fields and other values apart', () => {
    expect(firstDifference('call [REDACTED:phone] today', 'ring +1 555 today')?.path).toBe('');
    expect(firstDifference({ a: 1, extra: 'x' }, { a: 1 })?.path).toBe('extra');
    expect(firstDifference({ a: 'x [REDACTED]' }, { a: 5 })?.path).toBe('a');
    expect(firstDifference([1, 2], [1, 2, 3])).toBeDefined();
  });

  it('reads arguments logged as JSON text as JSON', () => {
    expect(argsDifference('{"b":2,"a":1}', { a: 1, b: 2 })).toBeUndefined();
  });
});

describe('audit.tool-calls', () => {
  it('passes an honest run, with figures', () => {
    const [f] = auditToolCallsCheck.run(honest().context([CONTROL]));
    expect(f?.status).toBe('pass');
    expect(f?.figures).toMatchObject({ tool_requests: 2, proposals: 2, model_calls: 3 });
  });

  it('fails a request with no tool.executed, naming the ledger entry', () => {
    const s = new Scene();
    s.listing(0);
    s.start(1);
    s.model(10, [read()]);
    s.proposed(14, read());
    s.tool(20, read());
    s.record('tool.denied', 25, { call_id: 'other', tool: 'x', rule: 'r', reason: 'r' });
    s.model(40, []);
    s.end(50);
    const messages = failures(s);
    expect(
      messages.some((m) => /read_ticket over REST \(ledger #2, HTTP 200\) \(call c1\) reached its backend .* no tool.executed/.test(m)),
    ).toBe(true);
    expect(messages.some((m) => /audit:3: the proposal of read_ticket \(call c1\) is never resolved/.test(m))).toBe(true);
  });

  it('fails a tool.executed for a call that never reached a backend', () => {
    const s = honest();
    s.executed(60, read('c9'));
    expect(failures(s)).toEqual([
      expect.stringMatching(/logs tool.executed read_ticket \(call c9, status ok\), but no such request reached/),
    ]);
  });

  it('fails wrong arguments, naming the field', () => {
    const s = new Scene();
    s.listing(0);
    s.start(1);
    s.model(10, [read()]);
    s.proposed(14, read());
    s.tool(20, read());
    s.executed(20, { ...read(), args: { ticket_id: 'TCK-2' } });
    s.model(40, []);
    s.end(50);
    expect(failures(s)).toEqual([expect.stringMatching(/args.ticket_id is "TCK-2" in the audit, but "TCK-1" was sent/)]);
  });

  it('fails a world error logged as ok, and accepts it logged as an error', () => {
    const build = (fields: Record<string, unknown>) => {
      const s = new Scene();
      s.listing(0);
      s.start(1);
      s.model(10, [read()]);
      s.proposed(14, read());
      s.tool(20, read(), { status: 500, executed: false, fault: 'http_500', result: undefined });
      s.executed(20, read(), fields);
      s.model(40, []);
      s.end(50);
      return s;
    };
    expect(failures(build({ status: 'ok', result: null }))).toEqual([
      expect.stringMatching(/the world answered an error \(HTTP 500, fault "http_500"\), but the audit logs status "ok" without the error/),
    ]);
    expect(failures(build({ status: 'error', result: undefined, error: { code: 'http_500' } }))).toEqual([]);
    expect(failures(build({ status: 'error', result: undefined }))).toEqual([expect.stringMatching(/status "error" without the error/)]);
  });

  it('accepts a timeout for a request the world never answered, not for one it answered long before', () => {
    const build = (over: Record<string, unknown>) => {
      const s = new Scene();
      s.listing(0);
      s.start(1);
      s.model(10, [read()]);
      s.proposed(14, read());
      s.tool(20, read(), over);
      s.executed(20, read(), { status: 'timeout', result: undefined, error: { code: 'timeout' }, ended_at: iso(2100) });
      s.model(2200, []);
      s.end(2300);
      return s;
    };
    expect(failures(build({ status: 0, executed: false, fault: 'hang', endedAt: T0 + 2500 }))).toEqual([]);
    expect(failures(build({}))).toEqual([
      expect.stringMatching(/ms before the audit says the agent stopped waiting, yet it logs a timeout/),
    ]);
  });

  it('folds a refused attempt into its retry, or takes a record of its own', () => {
    const build = (ownRecord: boolean) => {
      const s = new Scene();
      s.listing(0);
      s.start(1);
      s.model(10, [read()]);
      s.proposed(14, read());
      s.tool(20, read(), { status: 401, executed: false, rejected: 'token_expired', result: undefined });
      if (ownRecord) s.executed(20, read(), { status: 'error', result: undefined, error: { code: 'token_expired' } });
      s.tool(30, read());
      s.executed(30, read(), ownRecord ? {} : { started_at: iso(19) });
      s.model(40, []);
      s.end(50);
      return s;
    };
    expect(failures(build(false))).toEqual([]);
    expect(failures(build(true))).toEqual([]);
  });

  it('requires the record of a refused request nobody retried', () => {
    const s = new Scene();
    s.listing(0);
    s.start(1);
    s.model(10, [read()]);
    s.proposed(14, read());
    s.tool(20, read(), { status: 401, executed: false, rejected: 'token_revoked', result: undefined });
    s.end(50, 'stopped');
    expect(failures(s)).toEqual([expect.stringMatching(/\(HTTP 401, refused: token_revoked\), but the audit has no tool.executed/)]);
  });

  it('pairs by time when the world only guessed the call ids of identical calls', () => {
    const s = new Scene();
    s.listing(0);
    s.start(1);
    const a = read('a');
    const b = read('b');
    s.model(10, [a, b]);
    s.proposed(14, a);
    s.proposed(15, b);
    // The agent ran b first without sending ids: the world tied the first request to a.
    s.tool(20, a, { callIdSource: 'matched' });
    s.executed(20, b);
    s.tool(30, b, { callIdSource: 'matched' });
    s.executed(30, a);
    s.model(40, []);
    s.end(50);
    expect(failures(s)).toEqual([]);
  });

  it('fails a denial of a call that ran, but not of a retry after a failure', () => {
    const lie = honest();
    lie.record('tool.denied', 26, { call_id: 'c1', tool: 'read_ticket', rule: 'default-deny', reason: 'no' });
    expect(failures(lie)).toEqual([
      expect.stringMatching(/logs tool.denied for read_ticket \(call c1, rule default-deny\), but the call reached its backend and ran/),
    ]);

    const s = new Scene();
    s.listing(0);
    s.start(1);
    s.model(10, [read()]);
    s.proposed(14, read());
    s.tool(20, read(), { status: 503, executed: false, fault: 'http_503', result: undefined });
    s.executed(20, read(), { status: 'error', result: undefined, error: { code: 'http_503' } });
    s.record('tool.denied', 26, { call_id: 'c1', tool: 'read_ticket', rule: 'circuit-open', reason: 'open' });
    s.model(40, []);
    s.end(50);
    expect(failures(s)).toEqual([]);
  });

  it('fails a denial followed by a request for the same call', () => {
    const s = new Scene();
    s.listing(0);
    s.start(1);
    s.model(10, [read()]);
    s.proposed(14, read());
    s.record('tool.denied', 15, { call_id: 'c1', tool: 'read_ticket', rule: 'approval', reason: 'no' });
    s.tool(20, read(), { status: 503, executed: false, fault: 'x', result: undefined });
    s.executed(20, read(), { status: 'error', error: { code: 'x' } });
    s.model(40, []);
    s.end(50);
    expect(failures(s)).toEqual([expect.stringMatching(/yet the call reached its backend after that/)]);
  });

  it('wants an id or URL of what a write created, redacted ones included', () => {
    const build = (ids: string[]) => {
      const s = new Scene();
      s.listing(0);
      s.start(1);
      s.model(10, [comment()]);
      s.proposed(14, comment());
      s.tool(20, comment(), { effect: 'write', externalIds: ['cmt_1', 'http://w/c/cmt_1'] });
      s.executed(20, comment(), { external_ids: ids });
      s.model(40, []);
      s.end(50);
      return s;
    };
    expect(failures(build(['http://w/c/cmt_1']))).toEqual([]);
    expect(failures(build(['[REDACTED:id]']))).toEqual([]);
    expect(failures(build([]))).toEqual([
      expect.stringMatching(/the call created "cmt_1", "http:\/\/w\/c\/cmt_1", but external_ids is \[\]/),
    ]);
  });

  it('fails times the world contradicts, and times outside the run', () => {
    const early = new Scene();
    early.listing(0);
    early.start(1);
    early.model(10, [read()]);
    early.proposed(14, read());
    early.tool(20, read(), { endedAt: T0 + 60 });
    early.executed(20, read(), { ended_at: iso(25) });
    early.model(40, []);
    early.end(50);
    expect(failures(early)).toEqual([expect.stringMatching(/ended_at .* is before the world answered/)]);

    const late = honest();
    late.record('budget.exceeded', 500_000, { budget: 'tool_calls', limit: 1, used: 2 });
    expect(failures(late)).toEqual([expect.stringMatching(/budget.exceeded has ts .* outside the run/)]);
  });

  it('fails a model call with no record and a record of no model call; folds a failed, retried one', () => {
    const missing = new Scene();
    missing.listing(0);
    missing.start(1);
    missing.model(10, [], { logged: false });
    missing.end(50);
    expect(failures(missing)).toEqual([
      expect.stringMatching(/ledger#1: a model call \(chat, turn 0\) reached the model endpoint, but the audit has no model.called/),
    ]);

    const folded = new Scene();
    folded.listing(0);
    folded.start(1);
    folded.model(10, [], { over: { status: 500, turn: -1, fault: 'http_500' }, logged: false });
    folded.model(20, []);
    folded.end(50);
    expect(failures(folded)).toEqual([]);

    const extra = honest();
    extra.record('model.called', 75, {
      model: { provider: 'openai', name: 'gpt-4.1-mini' },
      started_at: iso(74),
      ended_at: iso(75),
      input_tokens: 1,
      output_tokens: 1,
    });
    expect(failures(extra)).toEqual([expect.stringMatching(/logs a model call .* that never reached the model endpoint/)]);
  });

  it('excuses the unacted last answer of a stopped run, not of a completed one', () => {
    const build = (status: string) => {
      const s = new Scene();
      s.listing(0);
      s.start(1);
      s.step(10, read());
      s.model(40, [comment()]);
      s.proposed(44, comment());
      s.end(50, status);
      return s;
    };
    expect(failures(build('stopped'))).toEqual([]);
    expect(failures(build('completed'))).toEqual([expect.stringMatching(/the proposal of comment_ticket \(call c2\) is never resolved/)]);
  });

  it('fails a proposal the model never made, and one logged as another tool', () => {
    const s = honest();
    s.proposed(75, read('c7'));
    expect(failures(s)).toEqual([expect.stringMatching(/logs a proposal of read_ticket \(call c7\) that the model never made/)]);
  });

  it('holds approvals against what the approval service saw and revealed', () => {
    const build = (decisions: string[]) => {
      const s = new Scene();
      s.listing(0);
      s.start(1);
      s.model(10, [comment()]);
      s.proposed(14, comment());
      s.ledger.record({
        kind: 'approval',
        service: 'approvals',
        method: 'POST',
        path: '/approvals',
        startedAt: T0 + 15,
        endedAt: T0 + 16,
        status: 201,
        action: 'request',
        approvalId: 'apr_1',
        request: { runId: 'run_1', callId: 'c2', tool: 'comment_ticket', args: comment().args, preview: 'p' },
        approvalStatus: 'pending',
      });
      s.record('approval.requested', 17, { approval_id: 'apr_1', call_id: 'c2', tool: 'comment_ticket', preview: 'p' });
      s.ledger.events.push({
        at: T0 + 18,
        type: 'approval.decided',
        detail: { approval_id: 'apr_1', decision: 'denied', approver: 'oncall' },
      });
      for (const d of decisions)
        s.record('approval.decided', 19, { approval_id: 'apr_1', decision: d, approver: 'oncall', decided_at: iso(18) });
      s.record('tool.denied', 20, { call_id: 'c2', tool: 'comment_ticket', rule: 'approval', reason: 'denied' });
      s.model(40, []);
      s.end(50);
      return s;
    };
    expect(failures(build(['denied']))).toEqual([]);
    expect(failures(build(['approved']))).toEqual([
      expect.stringMatching(/says approval apr_1 was approved, but the approver never decided so \(the world showed: denied\)/),
      expect.stringMatching(/decision "denied" on approval apr_1 reached the agent, but the audit has no approval.decided/),
    ]);
  });

  it('wants every escalation that reached the sink, and no invented ones', () => {
    const s = honest();
    escalation(s.ledger, { reason: 'budget' }, T0 + 75);
    expect(failures(s)).toEqual([
      expect.stringMatching(/an escalation reached the sink \(reason "budget"\), but the audit has no escalated record/),
    ]);
    s.record('escalated', 77, { reason: 'budget', target: 'escalations' });
    expect(failures(s)).toEqual([]);
    s.record('escalated', 78, { reason: 'again', target: 'escalations', delivered: false });
    expect(failures(s)).toEqual([]);
    s.record('escalated', 79, { reason: 'made up', target: 'escalations' });
    expect(failures(s)).toEqual([expect.stringMatching(/logs an escalation \(reason "made up"\) that never reached the escalation sink/)]);
  });
});
