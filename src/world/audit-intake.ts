import { isUtf8 } from 'node:buffer';
import { constants } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { z } from 'zod';
import { DEFAULT_LIMITS } from './limits.js';

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
  /** Set when reading stopped at a limit (`run.limits`): the rest of the file was never read. */
  limit?: AuditLimitHit;
}

/** Where reading an audit stopped, and how much was read up to there. */
export interface AuditLimitHit {
  kind: 'bytes' | 'lines';
  /** The limit that was reached. */
  limit: number;
  /** Bytes and lines read before stopping. */
  bytes: number;
  lines: number;
}

/** How much of an audit file is read at most. */
export interface AuditReadLimits {
  maxBytes: number;
  maxLines: number;
}

/** Parses JSONL audit text into records and per-line problems (never throws). */
export function parseAudit(text: string, channel: AuditLog['channel'] = 'file'): AuditLog {
  const lines: AuditLine[] = [];
  text.split('\n').forEach((raw, i) => {
    const parsed = parseLine(raw, i + 1);
    if (parsed) lines.push(parsed);
  });
  return auditLog(lines, channel);
}

/** One line of JSONL text; `undefined` for a blank line. */
function parseLine(raw: string, line: number): AuditLine | undefined {
  if (raw.trim() === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (err) {
    return { line, ok: false, raw, problem: `not JSON (${(err as Error).message})` };
  }
  return auditLine(value, line, raw);
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

const CHUNK_BYTES = 64 * 1024;

/**
 * Reads a JSONL audit file line by line, never more than `limits` allow: a runaway agent's
 * 200 MB audit costs the harness its limit, not its memory. A line that is not valid UTF-8 is an
 * invalid line; a file that is not a regular file (a FIFO, a device) or cannot be read is one
 * problem line, never a crash or a hang.
 */
export async function readAuditFile(file: string, limits: AuditReadLimits = DEFAULT_AUDIT_LIMITS): Promise<AuditLog> {
  let handle: FileHandle;
  try {
    // O_NONBLOCK: opening a FIFO nobody writes to must not block the harness.
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { channel: 'file', lines: [], records: [], missing: true };
    return unreadable(`the audit file could not be opened (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  try {
    if (!(await handle.stat()).isFile())
      return unreadable('the audit file is not a regular file (a FIFO, a device or a folder); nothing was read');
    return await readLines(handle, limits);
  } catch (err) {
    return unreadable(`the audit file could not be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  } finally {
    await handle.close().catch(() => {});
  }
}

const DEFAULT_AUDIT_LIMITS: AuditReadLimits = { maxBytes: DEFAULT_LIMITS.auditMaxBytes, maxLines: DEFAULT_LIMITS.auditMaxLines };

function unreadable(problem: string): AuditLog {
  return auditLog([{ line: 1, ok: false, raw: '', problem }], 'file');
}

async function readLines(handle: FileHandle, limits: AuditReadLimits): Promise<AuditLog> {
  const lines: AuditLine[] = [];
  const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  let pending: Buffer[] = [];
  let bytes = 0;
  let lineNo = 0;
  let limit: AuditLimitHit | undefined;
  const take = (parts: Buffer[]) => {
    lineNo++;
    const parsed = decodeLine(parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts), lineNo);
    if (parsed) lines.push(parsed);
  };
  reading: for (;;) {
    const room = limits.maxBytes - bytes;
    if (room <= 0) {
      // At the cap: stop if anything is left unread, else the file simply ended there.
      const { bytesRead } = await handle.read(chunk, 0, 1, null);
      if (bytesRead > 0) limit = { kind: 'bytes', limit: limits.maxBytes, bytes, lines: lineNo };
      break;
    }
    const { bytesRead } = await handle.read(chunk, 0, Math.min(CHUNK_BYTES, room), null);
    if (bytesRead === 0) break;
    bytes += bytesRead;
    const data = chunk.subarray(0, bytesRead);
    let start = 0;
    for (let nl = data.indexOf(10); nl !== -1; nl = data.indexOf(10, start)) {
      if (lineNo >= limits.maxLines) {
        limit = { kind: 'lines', limit: limits.maxLines, bytes: bytes - bytesRead + start, lines: lineNo };
        break reading;
      }
      pending.push(Buffer.from(data.subarray(start, nl)));
      take(pending);
      pending = [];
      start = nl + 1;
    }
    if (start < bytesRead) pending.push(Buffer.from(data.subarray(start)));
  }
  // A last line without a newline counts, unless a limit cut it short.
  if (!limit && pending.length > 0) {
    if (lineNo >= limits.maxLines) limit = { kind: 'lines', limit: limits.maxLines, bytes, lines: lineNo };
    else take(pending);
  }
  return { ...auditLog(lines, 'file'), ...(limit ? { limit } : {}) };
}

function decodeLine(bytes: Buffer, line: number): AuditLine | undefined {
  if (!isUtf8(bytes)) {
    // Shown with replacement characters; the bytes themselves are not text.
    return { line, ok: false, raw: bytes.toString('utf8'), problem: 'not valid UTF-8: the audit is UTF-8 JSON, one record per line' };
  }
  return parseLine(bytes.toString('utf8'), line);
}
