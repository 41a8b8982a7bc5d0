import type { Finding } from '../runner/results.js';
import type { AuditLog } from '../world/audit-intake.js';
import { auditEvidence, fail, pass } from './evidence.js';
import type { Check, CrossCaseCheck } from './types.js';

const CONTROL = 'audit.run-id';

/** One run id for the whole run, and the trigger's id on every record. */
export const auditRunIdCheck: Check = {
  control: CONTROL,
  section: 'audit',
  title: 'One run id per run, unique across runs, tied to the trigger on every record',
  invariant: true,
  run({ audit, spec }) {
    const records = audit.lines.flatMap((l) => (l.ok ? [{ line: l.line, record: l.record }] : []));
    if (records.length === 0) return [];
    const findings: Finding[] = [];
    const runIds = firstLines(audit);
    if (runIds.size > 1) {
      const [[firstId], [otherId, otherLine]] = [...runIds.entries()] as [[string, number], [string, number]];
      const other = records.find((r) => r.line === otherLine);
      findings.push(
        fail(
          CONTROL,
          `${runIds.size} run ids in one run: "${firstId}" then "${otherId}" from line ${otherLine}`,
          other ? [auditEvidence(other.line, other.record)] : [],
        ),
      );
    }
    const wrongTrigger = records.find((r) => r.record.trigger_id !== spec.trigger.id);
    if (wrongTrigger) {
      findings.push(
        fail(
          CONTROL,
          `line ${wrongTrigger.line} has trigger_id "${wrongTrigger.record.trigger_id}", but the trigger was "${spec.trigger.id}"`,
          [auditEvidence(wrongTrigger.line, wrongTrigger.record)],
        ),
      );
    }
    const started = records.find((r) => r.record.type === 'run.started');
    if (started && started.record.type === 'run.started' && started.record.trigger.id !== spec.trigger.id) {
      findings.push(
        fail(CONTROL, `run.started names trigger "${started.record.trigger.id}", but the trigger was "${spec.trigger.id}"`, [
          auditEvidence(started.line, started.record),
        ]),
      );
    }
    if (findings.length === 0)
      findings.push(pass(CONTROL, `run id "${[...runIds.keys()][0]}" and trigger "${spec.trigger.id}" on all ${records.length} records`));
    return findings;
  },
};

/** Each run id of the audit with the line it first appears on. */
function firstLines(audit: AuditLog): Map<string, number> {
  const ids = new Map<string, number>();
  for (const l of audit.lines) if (l.ok && !ids.has(l.record.run_id)) ids.set(l.record.run_id, l.line);
  return ids;
}

/**
 * "Unique across runs": a run id an earlier case of the same suite already used fails the later
 * case. Cases are fed in plan order, so which case is blamed never depends on timing.
 */
export function uniqueRunIds(): CrossCaseCheck {
  const owners = new Map<string, string>();
  return {
    control: CONTROL,
    next(result, audit) {
      if (!audit) return [];
      const findings: Finding[] = [];
      for (const [runId, line] of firstLines(audit)) {
        const owner = owners.get(runId);
        if (owner === undefined) {
          owners.set(runId, result.id);
          continue;
        }
        const record = audit.lines.find((l) => l.line === line);
        findings.push(
          fail(
            CONTROL,
            `run id "${runId}" was already used by case ${owner}: every run needs its own run id, or their audits cannot be told apart`,
            record ? [auditEvidence(line, record.ok ? record.record : record.raw)] : [],
          ),
        );
      }
      return findings;
    },
  };
}
