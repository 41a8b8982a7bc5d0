import type { AuditLog, AuditRecord, AuditType } from '../world/audit-intake.js';

export type Located<T extends AuditType> = { line: number; record: Extract<AuditRecord, { type: T }> };

// Checks ask for the same types of the same audit again and again: sort its lines once.
const byType = new WeakMap<AuditLog, { lines: AuditLog['lines']; types: Map<AuditType, Located<AuditType>[]> }>();

/** The audit's valid records of one type, with their line numbers (a fresh array each call). */
export function recordsOfType<T extends AuditType>(audit: AuditLog, type: T): Located<T>[] {
  let index = byType.get(audit);
  if (!index || index.lines !== audit.lines) {
    const types = new Map<AuditType, Located<AuditType>[]>();
    for (const l of audit.lines) {
      if (!l.ok) continue;
      const list = types.get(l.record.type);
      const located = { line: l.line, record: l.record } as Located<AuditType>;
      if (list) list.push(located);
      else types.set(l.record.type, [located]);
    }
    index = { lines: audit.lines, types };
    byType.set(audit, index);
  }
  return [...((index.types.get(type) ?? []) as unknown as Located<T>[])];
}

/** The first record of a type with a given call id. */
export function recordForCall<T extends 'tool.proposed' | 'tool.denied' | 'tool.executed' | 'approval.requested'>(
  audit: AuditLog,
  type: T,
  callId: string,
): Located<T> | undefined {
  return recordsOfType(audit, type).find((r) => (r.record as { call_id?: string }).call_id === callId);
}
