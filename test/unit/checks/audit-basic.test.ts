import { describe, expect, it } from 'vitest';
import { auditIntegrityCheck } from '../../../src/checks/audit-integrity.js';
import { auditRunIdCheck } from '../../../src/checks/audit-run-id.js';
import { Ledger } from '../../../src/ledger/ledger.js';
import { context, ended, okAgent, rec, started } from './helpers.js';

describe('audit.integrity', () => {
  it('passes a well-formed audit', () => {
    expect(auditIntegrityCheck.run(context(['audit.integrity'], new Ledger(), [started(), ended()]))[0]?.status).toBe('pass');
  });

  it('fails a missing audit file', () => {
    const ctx = context(['audit.integrity'], new Ledger(), []);
    ctx.audit.missing = true;
    expect(auditIntegrityCheck.run(ctx)[0]?.message).toMatch(/no audit file/);
  });

  it('fails broken JSON, naming the line', () => {
    const [f] = auditIntegrityCheck.run(context(['audit.integrity'], new Ledger(), [started(), '{"ts": broken', ended()]));
    expect(f?.message).toMatch(/audit line 2 is not a valid contract record: not JSON/);
    expect(f?.evidence[0]?.ref).toBe('audit:2');
  });

  it('fails a record missing a contract field', () => {
    const [f] = auditIntegrityCheck.run(
      context(['audit.integrity'], new Ledger(), [started(), rec('tool.denied', { call_id: 'c', tool: 't' }), ended()]),
    );
    expect(f?.message).toMatch(/line 2.*rule/);
  });

  it('fails when run.started is not first or run.ended not last', () => {
    const findings = auditIntegrityCheck.run(context(['audit.integrity'], new Ledger(), [ended(), started()]));
    expect(findings.map((f) => f.message).join('\n')).toMatch(/first record is "run.ended"[\s\S]*last record is "run.started"/);
  });

  it('does not add a second finding for a crashed agent without run.ended', () => {
    const findings = auditIntegrityCheck.run(
      context(['audit.integrity'], new Ledger(), [started()], { ...okAgent, crashed: true, exitCode: 1 }),
    );
    expect(findings.map((f) => f.status)).toEqual(['pass']);
  });
});

describe('audit.run-id', () => {
  it('fails two run ids, naming the line of the second', () => {
    const other = JSON.stringify({ ...JSON.parse(ended()), run_id: 'run_2' });
    const [f] = auditRunIdCheck.run(context(['audit.run-id'], new Ledger(), [started(), other]));
    expect(f?.message).toMatch(/2 run ids in one run: "run_1" then "run_2" from line 2/);
  });

  it('fails a record with another trigger id', () => {
    const other = JSON.stringify({ ...JSON.parse(ended()), trigger_id: 'TCK-2' });
    const [f] = auditRunIdCheck.run(context(['audit.run-id'], new Ledger(), [started(), other]));
    expect(f?.message).toMatch(/line 2 has trigger_id "TCK-2"/);
  });

  it('passes one run id and the trigger id', () => {
    expect(auditRunIdCheck.run(context(['audit.run-id'], new Ledger(), [started(), ended()]))[0]?.status).toBe('pass');
  });
});
