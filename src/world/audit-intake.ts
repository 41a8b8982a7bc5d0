import { readFile } from 'node:fs/promises';
import { z } from 'zod';

/** RFC 3339 with a time zone; milliseconds are expected but not demanded of every producer. */
const rfc3339 = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/, 'an RFC 3339 timestamp, e.g. 2026-12-01T10:00:00.123Z');

const common = {
  ts: rfc3339,
  run_id: z.string().min(1),
  trigger_id: z.string().min(1),
  agent_id: z.string().min(1),
};
const model = z.looseObject({ provider: z.string().min(1), name: z.string().min(1) });
const json = z.unknown();

/** Contract §4 records. Loose objects: extra fields are allowed (contract: extend, never break). */
export const auditRecordSchema = z.discriminatedUnion('type', [
  z.looseObject({
    ...common,
    type: z.literal('run.started'),
    model,
    instructions_version: z.string().min(1),
    tool_schema_version: z.string().min(1),
    trigger: z.looseObject({ id: z.string(), source: z.string() }),
  }),
  z.looseObject({
    ...common,
    type: z.literal('model.called'),
    model,
    started_at: rfc3339,
    ended_at: rfc3339,
    input_tokens: z.number().int().min(0),
    output_tokens: z.number().int().min(0),
  }),
  z.looseObject({ ...common, type: z.literal('tool.proposed'), call_id: z.string().min(1), tool: z.string(), args: json }),
  z.looseObject({
    ...common,
    type: z.literal('tool.denied'),
    call_id: z.string().min(1),
    tool: z.string(),
    rule: z.string().min(1),
    reason: z.string(),
  }),
  z.looseObject({
    ...common,
    type: z.literal('approval.requested'),
    approval_id: z.string().min(1),
    call_id: z.string().min(1),
    tool: z.string(),
    preview: json,
  }),
  z.looseObject({
    ...common,
    type: z.literal('approval.decided'),
    approval_id: z.string().min(1),
    decision: z.enum(['approved', 'denied', 'expired', 'revoked']),
    approver: z.string().nullable(),
    decided_at: rfc3339.nullable(),
  }),
  z.looseObject({
    ...common,
    type: z.literal('tool.executed'),
    call_id: z.string().min(1),
    tool: z.string(),
    args: json,
    started_at: rfc3339,
    ended_at: rfc3339,
    status: z.enum(['ok', 'error', 'timeout']),
    result: json.optional(),
    error: json.optional(),
    external_ids: z.array(z.string()).default([]),
  }),
  z.looseObject({
    ...common,
    type: z.literal('budget.exceeded'),
    budget: z.enum(['tool_calls', 'write_actions', 'model_tokens', 'model_calls', 'wall_time']),
    limit: z.number(),
    used: z.number(),
  }),
  z.looseObject({ ...common, type: z.literal('escalated'), reason: z.string().min(1), target: z.string() }),
  /** Contract extension: the agent listed the tools again (a rug pull shows as a new version). */
  z.looseObject({
    ...common,
    type: z.literal('tools.listed'),
    tool_schema_version: z.string().min(1),
    previous_schema_version: z.string().nullable().optional(),
    changed: z.array(z.string()).optional(),
  }),
  z.looseObject({
    ...common,
    type: z.literal('run.ended'),
    status: z.enum(['completed', 'stopped', 'failed']),
    reason: z.string().optional().nullable(),
  }),
]);

export type AuditRecord = z.output<typeof auditRecordSchema>;
export type AuditType = AuditRecord['type'];
export const AUDIT_TYPES: readonly AuditType[] = auditRecordSchema.options.map((o) => o.shape.type.value);

/** One line of the audit, parsed or not. `line` is 1-based. */
export type AuditLine =
  | { line: number; ok: true; record: AuditRecord; raw: string }
  | { line: number; ok: false; problem: string; raw: string };

export interface AuditLog {
  /** Where it came from: the JSONL file, or `otlp`. */
  channel: 'file' | 'otlp';
  lines: AuditLine[];
  /** Only the valid records, in order. */
  records: AuditRecord[];
  /** True when the file did not exist at all. */
  missing: boolean;
}

/** Parses JSONL audit text into records and per-line problems (never throws). */
export function parseAudit(text: string, channel: AuditLog['channel'] = 'file'): AuditLog {
  const lines: AuditLine[] = [];
  text.split('\n').forEach((raw, i) => {
    if (raw.trim() === '') return;
    const line = i + 1;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (err) {
      lines.push({ line, ok: false, raw, problem: `not JSON (${(err as Error).message})` });
      return;
    }
    lines.push(auditLine(value, line, raw));
  });
  return auditLog(lines, channel);
}

/**
 * One value checked against the contract §4 schema. `describe` names where a bad field came from
 * (the OTLP channel names the span attribute), so the problem says what to fix.
 */
export function auditLine(value: unknown, line: number, raw: string, describe?: (path: string) => string): AuditLine {
  const parsed = auditRecordSchema.safeParse(value);
  if (parsed.success) return { line, ok: true, record: parsed.data, raw };
  const issue = parsed.error.issues[0];
  const path = issue ? issue.path.join('.') : '';
  const where = path === '' ? '' : `${describe ? describe(path) : path}: `;
  return { line, ok: false, raw, problem: `${where}${issue?.message ?? 'invalid record'}` };
}

/** An audit log from checked lines. */
export function auditLog(lines: AuditLine[], channel: AuditLog['channel']): AuditLog {
  return { channel, lines, records: lines.flatMap((l) => (l.ok ? [l.record] : [])), missing: false };
}

export async function readAuditFile(file: string): Promise<AuditLog> {
  try {
    return parseAudit(await readFile(file, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { channel: 'file', lines: [], records: [], missing: true };
    throw err;
  }
}
