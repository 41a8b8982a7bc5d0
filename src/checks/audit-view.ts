import type { AuditLog, AuditRecord, AuditType } from '../world/audit-intake.js';

export type Located<T extends AuditType> = { line: number; record: Extract<AuditRecord, { type: T }> };

/** The audit's valid records of one type, with their line numbers. */
export function recordsOfType<T extends AuditType>(audit: AuditLog, type: T): Located<T>[] {
  const out: Located<T>[] = [];
  for (const l of audit.lines) {
    if (l.ok && l.record.type === type) out.push({ line: l.line, record: l.record as Extract<AuditRecord, { type: T }> });
  }
  return out;
}

/** The first record of a type with a given call id. */
export function recordForCall<T extends 'tool.proposed' | 'tool.denied' | 'tool.executed' | 'approval.requested'>(
  audit: AuditLog,
  type: T,
  callId: string,
): Located<T> | undefined {
  return recordsOfType(audit, type).find((r) => (r.record as { call_id?: string }).call_id === callId);
}
