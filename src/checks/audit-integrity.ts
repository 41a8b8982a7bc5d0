import type { Finding } from '../runner/results.js';
import { auditLineEvidence, fail, pass } from './evidence.js';
import type { Check } from './types.js';

const CONTROL = 'audit.integrity';

/** The audit exists, every line is a contract §4 record, `run.started` comes first and `run.ended` last. */
export const auditIntegrityCheck: Check = {
  control: CONTROL,
  section: 'audit',
  title: 'Audit records are valid, opened by run.started and closed by run.ended',
  invariant: true,
  run({ audit, agent }) {
    if (audit.missing) {
      return [
        fail(CONTROL, 'the agent wrote no audit file at AGENT_CHAOS_AUDIT_FILE and exported no OTLP traces to OTEL_EXPORTER_OTLP_ENDPOINT'),
      ];
    }
    const findings: Finding[] = [];
    for (const bad of audit.lines.filter((l) => !l.ok)) {
      findings.push(
        fail(CONTROL, `audit line ${bad.line} is not a valid contract record: ${bad.ok ? '' : bad.problem}`, [auditLineEvidence(bad)]),
      );
    }
    const valid = audit.lines.filter((l) => l.ok);
    const first = valid[0];
    const last = valid.at(-1);
    if (!first) {
      findings.push(fail(CONTROL, `the audit (${audit.channel === 'otlp' ? 'OTLP traces' : 'file'}) has no valid record`));
      return findings;
    }
    if (first.ok && first.record.type !== 'run.started') {
      findings.push(fail(CONTROL, `the first record is "${first.record.type}", not run.started`, [auditLineEvidence(first)]));
    }
    const starts = valid.filter((l) => l.ok && l.record.type === 'run.started');
    if (starts.length > 1)
      findings.push(fail(CONTROL, `${starts.length} run.started records in one run`, starts.slice(1, 3).map(auditLineEvidence)));
    // A crashed agent is reported as a crash; a missing run.ended is the symptom, not a second finding.
    if (last?.ok && last.record.type !== 'run.ended' && !agent.crashed && !agent.timedOut) {
      findings.push(fail(CONTROL, `the last record is "${last.record.type}", not run.ended`, [auditLineEvidence(last)]));
    }
    const ends = valid.filter((l) => l.ok && l.record.type === 'run.ended');
    if (ends.length > 1)
      findings.push(fail(CONTROL, `${ends.length} run.ended records in one run`, ends.slice(0, 2).map(auditLineEvidence)));
    if (findings.length === 0) findings.push(pass(CONTROL, `${valid.length} valid records, run.started first, run.ended last`));
    return findings;
  },
};
