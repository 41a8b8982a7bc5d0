import { isUtf8 } from 'node:buffer';
import { constants } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { z } from 'zod';
import { DEFAULT_LIMITS } from './limits.js';

// ---- accepted forms --------------------------------------------------------------------------
// The contract names several fields without a shape. Every natural way of writing them is read
// here, once, into the one shape the checks use, so no check has to know the variants. The rules
// are listed in docs/audit.md ("Accepted forms").

const TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)$/;

/**
 * An RFC 3339 time (any fractional precision, any offset) as the checks read it: UTC with `Z`,
 * and the fraction cut to at most 3 digits, so a coarser time keeps the precision it was logged
 * with (a time in whole seconds is trusted to a second). Undefined when it is not such a time.
 */
export function normaliseTime(text: string): string | undefined {
  const m = TIME.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const fraction = m[7] ?? '';
  const offset = m[8] ? 0 : (m[9] === '-' ? -1 : 1) * (Number(m[10]) * 60 + Number(m[11] ?? 0));
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  // A leap second (:60) is the instant that ends its minute, which Date.UTC rolls over to.
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 60) return undefined;
  if (Number(m[10] ?? 0) > 23 || Number(m[11] ?? 0) > 59) return undefined;
  const ms = Date.UTC(year, month - 1, day, hour, minute, second) - offset * 60_000;
  if (!Number.isFinite(ms) || ms < 0 || ms > 253_402_300_799_000) return undefined;
  const whole = new Date(ms).toISOString().slice(0, 19);
  return fraction === '' ? `${whole}Z` : `${whole}.${fraction.slice(0, 3)}Z`;
}

const rfc3339 = z.string().transform((text, ctx) => {
  const time = normaliseTime(text);
  if (time !== undefined) return time;
  ctx.addIssue({
    code: 'custom',
    input: text,
    message: `"${text.length > 40 ? `${text.slice(0, 40)}…` : text}" is not an RFC 3339 time with a time zone, e.g. 2026-12-01T10:00:00.123Z or 2026-12-01T12:00:00+02:00`,
  });
  return z.NEVER;
});

/** A number, or the same number written as a decimal string (as some model APIs write counts). */
const numeric = (inner: z.ZodNumber) =>
  z.preprocess((v) => (typeof v === 'string' && /^\s*-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?\s*$/.test(v) ? Number(v) : v), inner);

/** An id or version the agent names itself: a string, or a number read as its decimal text. */
const label = z.preprocess((v) => (typeof v === 'number' && Number.isFinite(v) ? String(v) : v), z.string().min(1));

/**
 * `model`: `{provider, name}`, or a string naming the model as the agent asked for it
 * ("gpt-4.1-mini", "openai/gpt-4.1-mini"). The provider is optional: the world cannot check it.
 */
const model = z.preprocess(
  (v) => (typeof v === 'string' ? { name: v } : v),
  z.looseObject({
    provider: z
      .string()
      .nullish()
      .transform((p) => (p ? p : undefined)),
    name: z.string().min(1),
  }),
);

/** "openai/gpt-4.1-mini" for the record's model, as reports show it. */
export function modelLabel(m: { provider?: string | undefined; name: string }): string {
  return m.provider && !m.name.startsWith(`${m.provider}/`) ? `${m.provider}/${m.name}` : m.name;
}

/**
 * A logged model names a model the endpoint was asked for: the same name, or the same with a
 * `provider/` prefix on one side only (an agent that asked a router for "openai/gpt-4.1-mini"
 * and logged "gpt-4.1-mini", or the other way round).
 */
export function sameModel(logged: { provider?: string | undefined; name: string }, asked: string): boolean {
  const { name, provider } = logged;
  if (name === asked || asked.endsWith(`/${name}`) || name.endsWith(`/${asked}`)) return true;
  return provider !== undefined && asked === `${provider}/${name}`;
}

/** Token counts: the harness reads the world's, so the agent's may be missing or null (an API that answered none). */
const tokens = numeric(z.number().int().min(0))
  .nullish()
  .transform((n) => n ?? null);

/** One external id: a string, a number, or an object with a `url` and/or an `id`. */
function idsOf(item: unknown): string[] | undefined {
  if (typeof item === 'string') return [item];
  if (typeof item === 'number' && Number.isFinite(item)) return [String(item)];
  if (item === null || typeof item !== 'object' || Array.isArray(item)) return undefined;
  const o = item as Record<string, unknown>;
  const out = [o.id, o.url].flatMap((v) => (typeof v === 'string' && v !== '' ? [v] : typeof v === 'number' ? [String(v)] : []));
  return out.length > 0 ? out : undefined;
}

/** `external_ids`: a list of ids (strings, numbers or `{url, id}` objects, mixed), one id alone, or nothing. */
const externalIds = z.unknown().transform((value, ctx): string[] => {
  if (value === undefined || value === null) return [];
  const list = Array.isArray(value) ? value : [value];
  const out: string[] = [];
  list.forEach((item, i) => {
    const ids = idsOf(item);
    if (ids) out.push(...ids);
    else {
      ctx.addIssue({
        code: 'custom',
        input: item,
        path: Array.isArray(value) ? [i] : [],
        message: 'an external id is a string, or an object with a "url" and/or an "id"',
      });
    }
  });
  return out;
});

const common = {
  ts: rfc3339,
  run_id: label,
  trigger_id: z.string().min(1),
  agent_id: z.string().min(1),
};
const json = z.unknown();

/** Contract §4 records. Loose objects: extra fields are allowed (contract: extend, never break). */
export const auditRecordSchema = z.discriminatedUnion('type', [
  z.looseObject({
    ...common,
    type: z.literal('run.started'),
    model,
    instructions_version: label,
    tool_schema_version: z.string().min(1),
    trigger: z.looseObject({ id: z.string(), source: z.string() }),
  }),
  z.looseObject({
    ...common,
    type: z.literal('model.called'),
    model,
    started_at: rfc3339,
    ended_at: rfc3339,
    input_tokens: tokens,
    output_tokens: tokens,
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
    // Absent or null where the decision has none (an expiry of the agent's own).
    approver: z
      .string()
      .nullish()
      .transform((a) => a ?? null),
    decided_at: rfc3339.nullish().transform((t) => t ?? null),
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
    external_ids: externalIds.default([]),
  }),
  z.looseObject({
    ...common,
    type: z.literal('budget.exceeded'),
    budget: z.enum(['tool_calls', 'write_actions', 'model_tokens', 'model_calls', 'wall_time']),
    limit: numeric(z.number()),
    used: numeric(z.number()),
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

/**
 * One line of the audit, parsed or not. `line` is 1-based. `ownType`: a record of a type of the
 * agent's own, which `auditLog` sets aside (the checks never see it).
 */
export type AuditLine =
  | { line: number; ok: true; record: AuditRecord; raw: string }
  | { line: number; ok: false; problem: string; raw: string; ownType?: string };

// First words of the contract's record types: a type that starts with one of them but is none of
// them is a misspelt contract record (refused), not a record of the agent's own (ignored).
const CONTRACT_WORDS = new Set(['run', 'model', 'tool', 'tools', 'approval', 'budget', 'escalated', 'escalation', 'escalate']);

/**
 * The type of a record the contract does not define and that is no misspelt contract type
 * ("agent.step", "log"): the agent's own, allowed beside the contract's and ignored.
 */
function ownRecordType(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const type = (value as Record<string, unknown>).type;
  if (typeof type !== 'string' || type === '' || (AUDIT_TYPES as readonly string[]).includes(type)) return undefined;
  const word = (type.split(/[.:_/ -]/)[0] ?? '').toLowerCase();
  return CONTRACT_WORDS.has(word) ? undefined : type;
}

export interface AuditLog {
  /** Where it came from: the JSONL file, or `otlp`. */
  channel: 'file' | 'otlp';
  lines: AuditLine[];
  /** Only the valid records, in order. */
  records: AuditRecord[];
  /** True when the file did not exist at all. */
  missing: boolean;
  /** Records of types of the agent's own (not the contract's), set aside: where and which type. */
  ownRecords?: { line: number; type: string }[];
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
  const ownType = ownRecordType(value);
  if (ownType !== undefined) return { line, ok: false, raw, problem: `a record of the agent's own type "${ownType}"`, ownType };
  const issue = parsed.error.issues[0];
  const path = issue ? issue.path.join('.') : '';
  if (path === 'type') {
    const type = (value as Record<string, unknown>).type;
    return {
      line,
      ok: false,
      raw,
      problem: `${type === undefined ? 'the record has no type' : `type ${JSON.stringify(type)} is not a contract record type`} (${AUDIT_TYPES.join(', ')}); a record of the agent's own needs a type of its own, e.g. "agent.step"`,
    };
  }
  const where = path === '' ? '' : `${describe ? describe(path) : path}: `;
  return { line, ok: false, raw, problem: `${where}${issue?.message ?? 'invalid record'}` };
}

/** An audit log from checked lines. */
export function auditLog(lines: AuditLine[], channel: AuditLog['channel']): AuditLog {
  const own = lines.flatMap((l) => (!l.ok && l.ownType !== undefined ? [{ line: l.line, type: l.ownType }] : []));
  const kept = own.length === 0 ? lines : lines.filter((l) => l.ok || l.ownType === undefined);
  return {
    channel,
    lines: kept,
    records: kept.flatMap((l) => (l.ok ? [l.record] : [])),
    missing: false,
    ...(own.length > 0 ? { ownRecords: own } : {}),
  };
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
