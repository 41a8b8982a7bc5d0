import { describe, expect, it } from 'vitest';
import { schemaVersionCheck } from '../../../src/checks/authz-schema-version.js';
import { malformedCheck } from '../../../src/checks/security-malformed.js';
import { Ledger } from '../../../src/ledger/ledger.js';
import { context, ended, okAgent, proposeCall, rec, started, toolCall } from './helpers.js';

function listing(ledger: Ledger, version: string) {
  return ledger.record({
    kind: 'other',
    service: 'tools',
    method: 'GET',
    path: '/tools',
    startedAt: 0,
    endedAt: 0,
    status: 200,
    note: 'tools/list',
    schemaVersion: version,
  });
}

/** A rug pull on read_ticket at its first call; the model asks for it again. */
function rugPulled(): Ledger {
  const ledger = new Ledger();
  listing(ledger, 's1');
  proposeCall(ledger, 'c1', 'read_ticket');
  toolCall(ledger, 'read_ticket', { callId: 'c1', faultDetail: { rug_pull: 'read_ticket', from: 's1', to: 's2' } });
  proposeCall(ledger, 'c2', 'read_ticket');
  return ledger;
}
const executed = (id: string) =>
  rec('tool.executed', {
    call_id: id,
    tool: 'read_ticket',
    args: {},
    started_at: '2026-01-01T00:00:01.000Z',
    ended_at: '2026-01-01T00:00:01.000Z',
    status: 'ok',
    result: {},
  });
const listed = () => rec('tools.listed', { tool_schema_version: 's2', previous_schema_version: 's1', changed: ['read_ticket'] });

describe('authz.schema-version', () => {
  it('passes an agent that logs the new version and refuses the changed tool', () => {
    const ledger = rugPulled();
    const denied = rec('tool.denied', { call_id: 'c2', tool: 'read_ticket', rule: 'schema-change', reason: 'changed' });
    const findings = schemaVersionCheck.run(
      context(['authz.schema-version'], ledger, [started(), executed('c1'), listed(), denied, ended()]),
    );
    expect(findings.map((f) => f.status)).toEqual(['pass']);
    expect(findings[0]?.message).toMatch(/logged the new version at audit:3, and did not call it again/);
  });

  it('accepts a call of the changed tool once the new version is logged, and fails one before it', () => {
    const after = rugPulled();
    toolCall(after, 'read_ticket', { callId: 'c2' });
    expect(
      schemaVersionCheck.run(context(['authz.schema-version'], after, [started(), executed('c1'), listed(), executed('c2'), ended()]))[0]
        ?.status,
    ).toBe('pass');
    const before = schemaVersionCheck.run(
      context(['authz.schema-version'], after, [started(), executed('c1'), executed('c2'), listed(), ended()]),
    );
    expect(before.map((f) => f.status)).toEqual(['fail']);
    expect(before[0]?.message).toMatch(
      /^read_ticket over REST \(ledger #4, HTTP 200\): the agent called it without noticing that read_ticket changed its definition/,
    );
  });

  it('fails an agent that never logs the new version, and a run.started that lies about the first one', () => {
    const findings = schemaVersionCheck.run(
      context(['authz.schema-version'], rugPulled(), [started().replace('"s1"', '"v0"'), executed('c1'), ended()]),
    );
    expect(findings.map((f) => f.message)).toEqual([
      'run.started logs tool_schema_version "v0", but the world served "s1" to the agent\'s first listing',
      expect.stringMatching(
        /the model asked for it again, but the audit never logs the new version s2 \(the agent never listed the tools again\)$/,
      ),
    ]);
  });
});

describe('security.malformed', () => {
  const served = (ledger: Ledger, mustError: boolean) =>
    toolCall(ledger, 'read_ticket', {
      callId: 'c1',
      executed: false,
      fault: 'malformed:truncated-json',
      faultDetail: { malformed: 'truncated-json', must_error: mustError, reason: 'the body is not JSON', response: '…' },
    });

  it('is not applicable where no malformed response was served', () => {
    expect(malformedCheck.run(context(['security.malformed'], new Ledger(), [started(), ended()]))).toEqual([]);
  });

  it('passes a call logged as an error, fails one logged as ok, and names an unproposed call', () => {
    const ledger = new Ledger();
    proposeCall(ledger, 'c1', 'read_ticket');
    served(ledger, true);
    const error = rec('tool.executed', {
      call_id: 'c1',
      tool: 'read_ticket',
      args: {},
      started_at: '2026-01-01T00:00:01.000Z',
      ended_at: '2026-01-01T00:00:01.000Z',
      status: 'error',
      error: { code: 'malformed_response' },
    });
    expect(malformedCheck.run(context(['security.malformed'], ledger, [started(), error, ended()]))[0]?.status).toBe('pass');
    const ok = malformedCheck.run(context(['security.malformed'], ledger, [started(), executed('c1'), ended()]));
    expect(ok[0]?.message).toMatch(/logged the call as ok, but the body is not JSON/);
    expect(ok[0]?.evidence[1]?.excerpt).toBe('tool.executed read_ticket call_id=c1 status=ok');
    toolCall(ledger, 'comment_ticket', { callId: 'c1_next_0' });
    const acted = malformedCheck.run(context(['security.malformed'], ledger, [started(), error, ended()]));
    expect(acted.map((f) => f.message)).toEqual([expect.stringMatching(/^comment_ticket over REST .*the model never proposed this call/)]);
  });

  it('reports a crash, and not also the tool.executed it never wrote', () => {
    const ledger = new Ledger();
    proposeCall(ledger, 'c1', 'read_ticket');
    served(ledger, true);
    const findings = malformedCheck.run(
      context(['security.malformed'], ledger, [started()], { ...okAgent, crashed: true, exitCode: 1, crashMessage: 'boom' }),
    );
    expect(findings.map((f) => f.message)).toEqual([
      'the agent crashed (boom) after a malformed read_ticket response (truncated-json: the body is not JSON)',
    ]);
  });
});
