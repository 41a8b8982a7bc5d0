import type { EscalationEntry, Ledger, ModelEntry, ProposedCall, ToolEntry } from '../ledger/ledger.js';
import type { AuditLog } from '../world/audit-intake.js';
import { type ApprovalHistory, approvalHistories } from './approval-match.js';
import { type Located, recordsOfType } from './audit-view.js';
import { canonicalJson, truncate } from './evidence.js';

/**
 * How the agent's audit is held against the world's ledger: which record tells of which request,
 * and what counts as telling it truthfully. One module, shared by `audit.tool-calls` and
 * `audit.replay`; the rules are documented in docs/audit.md (matching rules).
 */

export type Executed = Located<'tool.executed'>;
export type ModelRecord = Located<'model.called'>;

// ---- time --------------------------------------------------------------------------------------

/**
 * Slack on time comparisons. The agent and the world read the same machine's clock, and every
 * comparison follows causality (the agent starts its clock before the request arrives and stops
 * it after the answer), so a few milliseconds are plenty.
 */
export const TIME_SLACK_MS = 10;
/** How long after the world's answer an agent may still say it gave up waiting (a timeout). */
export const TIMEOUT_SLACK_MS = 1000;

/** A logged time, with the tolerance its precision earns (a time in whole seconds may be 999 ms early). */
export interface Instant {
  ms: number;
  /** The unit it was logged in: 1 ms, or 10, 100, 1000 for coarser times. */
  precision: number;
  /** precision + TIME_SLACK_MS */
  tolerance: number;
}

export function instant(text: string | null | undefined): Instant | undefined {
  if (!text) return undefined;
  const ms = parseTime(text);
  if (Number.isNaN(ms)) return undefined;
  // RFC 3339: the fraction, if any, follows the seconds at position 19.
  let digits = 0;
  if (text[19] === '.') while (isDigit(text.charCodeAt(20 + digits))) digits++;
  const precision = digits >= 3 ? 1 : 10 ** (3 - digits);
  return { ms, precision, tolerance: precision + TIME_SLACK_MS };
}

const isDigit = (c: number) => c >= 48 && c <= 57;

// Times are read tens of thousands of times in a large audit; the common shape
// (2026-01-01T10:00:00.123Z) is read by hand, anything else by Date.parse.
function parseTime(s: string): number {
  if (s.length !== 24 || s[23] !== 'Z' || s[10] !== 'T' || s[19] !== '.') return Date.parse(s);
  const n = (from: number, to: number) => {
    let v = 0;
    for (let i = from; i < to; i++) {
      const c = s.charCodeAt(i);
      if (!isDigit(c)) return Number.NaN;
      v = v * 10 + c - 48;
    }
    return v;
  };
  const month = n(5, 7);
  const day = n(8, 10);
  const hour = n(11, 13);
  const minute = n(14, 16);
  const second = n(17, 19);
  if (!(month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour <= 23 && minute <= 59 && second <= 59)) return Date.parse(s);
  return Date.UTC(n(0, 4), month - 1, day, hour, minute, second, n(20, 23));
}

export function isoOf(ms: number): string {
  return new Date(ms).toISOString();
}

// ---- values ------------------------------------------------------------------------------------

const REDACTED = /\[REDACTED(?::[^\]]*)?\]/g;

/** Where a logged value first differs from the real one; redacted parts (`[REDACTED…]`) match anything. */
export function firstDifference(
  logged: unknown,
  actual: unknown,
  path = '',
): { path: string; logged: unknown; actual: unknown } | undefined {
  if (typeof logged === 'string') {
    if (typeof actual === 'string' ? redactedMatch(logged, actual) : redactedMatch(logged, canonicalJson(actual), true)) return undefined;
    return { path, logged, actual };
  }
  if (Array.isArray(logged) || Array.isArray(actual)) {
    if (!Array.isArray(logged) || !Array.isArray(actual) || logged.length !== actual.length) return { path, logged, actual };
    for (let i = 0; i < logged.length; i++) {
      const d = firstDifference(logged[i], actual[i], `${path}[${i}]`);
      if (d) return d;
    }
    return undefined;
  }
  if (isObject(logged) && isObject(actual)) {
    for (const key of new Set([...Object.keys(actual), ...Object.keys(logged)])) {
      const d = firstDifference(logged[key], actual[key], path === '' ? key : `${path}.${key}`);
      if (d) return d;
    }
    return undefined;
  }
  return logged === actual ? undefined : { path, logged, actual };
}

/** Logged arguments match the sent ones; arguments logged as JSON text are read as JSON. */
export function argsDifference(logged: unknown, actual: unknown) {
  if (typeof logged === 'string' && typeof actual !== 'string') {
    try {
      return firstDifference(JSON.parse(logged), actual);
    } catch {
      // Not JSON text: compared as it is.
    }
  }
  return firstDifference(logged, actual);
}

export function describeDifference(what: string, d: { path: string; logged: unknown; actual: unknown }): string {
  const at = d.path === '' ? what : `${what}.${d.path}`;
  if (d.actual === undefined) return `${at} is ${show(d.logged)} in the audit, but no such field was sent`;
  if (d.logged === undefined) return `${at} is missing from the audit, but ${show(d.actual)} was sent`;
  return `${at} is ${show(d.logged)} in the audit, but ${show(d.actual)} was sent`;
}

function show(value: unknown): string {
  return truncate(canonicalJson(value), 80);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * A string with redactions matches any text that has its other parts in order. `whole` is for a
 * non-string value: only a string that is all redaction may stand for it.
 */
function redactedMatch(pattern: string, text: string, whole = false): boolean {
  const parts = pattern.split(REDACTED);
  if (parts.length === 1) return !whole && pattern === text;
  if (whole) return parts.every((p) => p.trim() === '');
  const first = parts[0] as string;
  const last = parts[parts.length - 1] as string;
  if (first.length + last.length > text.length || !text.startsWith(first) || !text.endsWith(last)) return false;
  let at = first.length;
  const end = text.length - last.length;
  for (const part of parts.slice(1, -1)) {
    const i = text.indexOf(part, at);
    if (i < 0 || i + part.length > end) return false;
    at = i + part.length;
  }
  return true;
}

// ---- what the world answered -------------------------------------------------------------------

/** `ok`: the tool ran and answered; `error`: the world refused or failed it; `either`: an answer an honest agent may read either way (a 2xx fault, a cut body). */
export type WorldAnswer = 'ok' | 'error' | 'either';

export function worldAnswer(e: ToolEntry): WorldAnswer {
  if (e.rejected || (!e.executed && e.error !== undefined)) return 'error';
  if (e.transport === 'mcp') {
    if (!e.executed) return 'error';
    return e.fault ? 'either' : 'ok';
  }
  if (e.status >= 400) return 'error';
  if (e.status === 0) return e.executed ? 'either' : 'error';
  if (e.fault || !e.executed) return 'either';
  return 'ok';
}

/** "HTTP 500, fault http_500" — what the world answered a tool request, in a few words. */
export function describeAnswer(e: ToolEntry): string {
  const envelope = e.transport === 'mcp' && e.status === 200 ? (e.executed ? 'MCP result' : 'MCP error result') : `HTTP ${e.status}`;
  const parts = [e.status === 0 ? 'no answer' : envelope];
  if (e.rejected) parts.push(`refused: ${e.rejected}`);
  else if (e.fault) parts.push(`fault "${e.fault}"`);
  else if (!e.executed && e.error) parts.push(`refused: ${e.error}`);
  else if (e.executed) parts.push('ran');
  return parts.join(', ');
}

/** The model answered this request with a turn of its script (what a retry may fold is anything else). */
export function modelAnswered(m: ModelEntry): boolean {
  return m.turn >= 0 && m.status >= 200 && m.status < 300 && m.rejected === undefined;
}

// ---- one record against one request -----------------------------------------------------------

/** What is wrong with how a record tells of its request's outcome, if anything. */
export function statusProblem(entry: ToolEntry, rec: Executed): string | undefined {
  const { status, error } = rec.record;
  const answer = worldAnswer(entry);
  if (status === 'ok' && answer === 'error') {
    return `the world answered an error (${describeAnswer(entry)}), but the audit logs status "ok"${error === undefined || error === null ? ' without the error' : ''}`;
  }
  if (status === 'error' && (error === undefined || error === null)) return 'the audit logs status "error" without the error';
  if (status === 'timeout' && answer === 'ok' && entry.status !== 0) {
    const ended = instant(rec.record.ended_at);
    if (ended && entry.endedAt + TIMEOUT_SLACK_MS < ended.ms) {
      return `the world answered at ${isoOf(entry.endedAt)} (${describeAnswer(entry)}), ${ended.ms - entry.endedAt} ms before the audit says the agent stopped waiting, yet it logs a timeout`;
    }
  }
  return undefined;
}

type WindowFault = 'unreadable' | 'late start' | 'backwards' | 'early end';

/** The same rules as `windowProblem`, without building a message (pairing asks it many times). */
function windowFault(
  started: string,
  ended: string,
  world: { startedAt: number; endedAt: number },
  gotAnswer: boolean,
): WindowFault | undefined {
  const s = instant(started);
  const e = instant(ended);
  if (!s || !e) return 'unreadable';
  if (s.ms > world.startedAt + s.tolerance) return 'late start';
  if (e.ms + e.tolerance < s.ms) return 'backwards';
  if (gotAnswer && e.ms + e.tolerance < world.endedAt) return 'early end';
  return undefined;
}

/**
 * A record's times against the world's window for its request: it cannot have started after the
 * request arrived, nor (when it says it got the answer) ended before the world answered.
 */
export function windowProblem(
  started: string,
  ended: string,
  world: { startedAt: number; endedAt: number },
  gotAnswer: boolean,
): string | undefined {
  switch (windowFault(started, ended, world, gotAnswer)) {
    case undefined:
      return undefined;
    case 'unreadable':
      return `its times (${started} – ${ended}) are not readable`;
    case 'late start':
      return `started_at ${started} is after the world received the request at ${isoOf(world.startedAt)}`;
    case 'backwards':
      return `ended_at ${ended} is before started_at ${started}`;
    case 'early end':
      return `ended_at ${ended} is before the world answered at ${isoOf(world.endedAt)}`;
  }
}

export function toolWindowProblem(entry: ToolEntry, rec: Executed): string | undefined {
  return windowProblem(rec.record.started_at, rec.record.ended_at, entry, rec.record.status === 'ok' && entry.status !== 0);
}

export function modelWindowProblem(entry: ModelEntry, rec: ModelRecord): string | undefined {
  return windowProblem(rec.record.started_at, rec.record.ended_at, entry, modelAnswered(entry) && entry.fault === undefined);
}

/** For a write the agent says succeeded: at least one id or URL of what the world created. */
export function externalIdsProblem(entry: ToolEntry, rec: Executed): string | undefined {
  if (rec.record.status !== 'ok' || !entry.executed || entry.externalIds.length === 0) return undefined;
  const logged = rec.record.external_ids;
  if (entry.externalIds.some((id) => logged.some((l) => redactedMatch(l, id)))) return undefined;
  return `the call created ${entry.externalIds.map((id) => `"${id}"`).join(', ')}, but external_ids is ${canonicalJson(logged)}`;
}

/** A proposal is logged with the arguments as parsed, or as the raw text when it was not JSON. */
export function proposedArgsDifference(logged: unknown, proposal: ProposedCall): string | undefined {
  // The common case, cheaply: the agent logged what it parsed, keys in the model's order.
  if (logged === proposal.rawArgs || JSON.stringify(logged) === proposal.rawArgs) return undefined;
  let expected: unknown = proposal.rawArgs;
  try {
    expected = proposal.rawArgs.trim() === '' ? {} : JSON.parse(proposal.rawArgs);
  } catch {
    // Malformed arguments: only the raw text is what the model sent.
  }
  const d = argsDifference(logged, expected);
  if (!d || logged === proposal.rawArgs) return undefined;
  return describeDifference('args', d).replace('was sent', 'was proposed');
}

/** The first thing a paired record gets wrong about its request. */
export function executedProblem(entry: ToolEntry, record: Executed): string | undefined {
  return outcomeProblem(entry, record) ?? externalIdsProblem(entry, record);
}

/** What a paired record gets wrong about its request, side effects aside: tool, call id, arguments, status, times. */
export function outcomeProblem(entry: ToolEntry, record: Executed): string | undefined {
  if (record.record.tool !== entry.tool) return `the audit names tool ${record.record.tool}, but ${entry.tool} was sent`;
  if (entry.callIdSource === 'sent' && record.record.call_id !== entry.callId) {
    return `the audit logs it under call id ${record.record.call_id}, but the agent sent it as ${entry.callId}`;
  }
  const difference = argsDifference(record.record.args, entry.args);
  if (difference) return describeDifference('args', difference);
  return statusProblem(entry, record) ?? toolWindowProblem(entry, record);
}

/**
 * Why a tool.denied cannot be true, if it cannot: the call ran and the agent knew it (its record
 * says ok, or there is none), or a request for it went out after the denial. A retry denied after
 * a failed attempt (an open circuit) is a true denial.
 */
export function denialContradiction(
  denied: Located<'tool.denied'>,
  requests: readonly ToolMatch[],
): { request: ToolMatch; how: string } | undefined {
  const when = instant(denied.record.ts);
  const after = requests.find((t) => when !== undefined && t.entry.startedAt > when.ms + when.precision);
  if (after) return { request: after, how: 'yet the call reached its backend after that' };
  const ran = requests.find((t) => t.entry.executed && (!t.record || t.record.record.status === 'ok'));
  return ran ? { request: ran, how: 'but the call reached its backend and ran' } : undefined;
}

// ---- the whole audit against the whole ledger -------------------------------------------------

export interface ToolMatch {
  entry: ToolEntry;
  record: Executed | undefined;
  /** False for a refused or failed attempt the agent retried: its record may be folded into the retry's. */
  required: boolean;
  /** The call id the request answers: as sent, else as the agent logged it, else the world's guess. */
  callId: string | undefined;
}

export interface ModelMatch {
  entry: ModelEntry;
  record: ModelRecord | undefined;
  required: boolean;
}

export interface ProposalMatch {
  proposal: ProposedCall;
  model: ModelEntry;
  proposed: Located<'tool.proposed'> | undefined;
}

export interface ApprovalMatch {
  history: ApprovalHistory;
  requested: Located<'approval.requested'> | undefined;
  decided: Located<'approval.decided'>[];
}

export interface EscalationMatch {
  entry: EscalationEntry;
  record: Located<'escalated'> | undefined;
}

export interface AuditMatch {
  tools: ToolMatch[];
  /** tool.executed records no request accounts for. */
  strayTools: Executed[];
  models: ModelMatch[];
  strayModels: ModelRecord[];
  proposals: ProposalMatch[];
  /** tool.proposed records for calls the model never proposed. */
  strayProposals: Located<'tool.proposed'>[];
  approvals: ApprovalMatch[];
  strayApprovalRequests: Located<'approval.requested'>[];
  strayDecisions: Located<'approval.decided'>[];
  escalations: EscalationMatch[];
  strayEscalations: Located<'escalated'>[];
  /** The tool requests of each call id, in ledger order. */
  requestsByCall: Map<string, ToolMatch[]>;
  /** Every record that names a call id, by call id, in audit order: how the agent says it resolved each call. */
  recordsByCall: Map<string, CallRecord[]>;
}

const cache = new WeakMap<AuditLog, WeakMap<Ledger, AuditMatch>>();

/** Pairs every request of the ledger with the record that tells of it (computed once per case). */
export function matchAudit(ledger: Ledger, audit: AuditLog): AuditMatch {
  const byLedger = cache.get(audit) ?? new WeakMap<Ledger, AuditMatch>();
  cache.set(audit, byLedger);
  const match = byLedger.get(ledger) ?? computeMatch(ledger, audit);
  byLedger.set(ledger, match);
  return match;
}

function computeMatch(ledger: Ledger, audit: AuditLog): AuditMatch {
  const { tools, strayTools } = matchTools(ledger.tools(), recordsOfType(audit, 'tool.executed'));
  const { models, strayModels } = matchModels(ledger.modelCalls(), recordsOfType(audit, 'model.called'));

  const proposed = firstByKey(recordsOfType(audit, 'tool.proposed'), (r) => r.record.call_id);
  const known = new Set<string>();
  const proposals: ProposalMatch[] = [];
  for (const model of ledger.modelCalls()) {
    for (const proposal of model.proposed) {
      known.add(proposal.id);
      proposals.push({ proposal, model, proposed: proposed.get(proposal.id) });
    }
  }
  const strayProposals = recordsOfType(audit, 'tool.proposed').filter((r) => !known.has(r.record.call_id));

  const requested = firstByKey(recordsOfType(audit, 'approval.requested'), (r) => String(r.record.approval_id));
  const decided = groupBy(recordsOfType(audit, 'approval.decided'), (r) => String(r.record.approval_id));
  const approvals = approvalHistories(ledger).map((history) => {
    const id = String(history.request.approvalId);
    return { history, requested: requested.get(id), decided: decided.get(id) ?? [] };
  });
  const issued = new Set(approvals.map((a) => String(a.history.request.approvalId)));
  const strayApprovalRequests = recordsOfType(audit, 'approval.requested').filter((r) => !issued.has(String(r.record.approval_id)));
  const strayDecisions = recordsOfType(audit, 'approval.decided').filter((r) => !issued.has(String(r.record.approval_id)));

  const escalated = recordsOfType(audit, 'escalated');
  const escalations = ledger.escalations().map((entry, i) => ({ entry, record: escalated[i] }));
  const strayEscalations = escalated.slice(escalations.length);

  return {
    tools,
    strayTools,
    models,
    strayModels,
    proposals,
    strayProposals,
    approvals,
    strayApprovalRequests,
    strayDecisions,
    escalations,
    strayEscalations,
    requestsByCall: groupBy(
      tools.filter((t) => t.callId !== undefined),
      (t) => t.callId as string,
    ),
    recordsByCall: recordsByCall(audit),
  };
}

/**
 * Each tool request gets the record that tells of it: first one with its call id whose times fit,
 * then, when the world only guessed the id, one with the same tool and
 * arguments. A refused or failed attempt followed by a retry of the same call takes only a record
 * of its own (one that ended before the retry began); if there is none it was folded into the
 * retry's record, which is fair: the retry is the same action.
 */
function matchTools(entries: readonly ToolEntry[], records: readonly Executed[]) {
  const byId = groupBy(records, (r) => r.record.call_id);
  const byTool = groupBy(records, (r) => r.record.tool);
  const worldIds = new Set(entries.flatMap((e) => (e.callId ? [e.callId] : [])));
  const taken = new Set<Executed>();
  const free = (list: readonly Executed[] | undefined) => (list ?? []).filter((r) => !taken.has(r));

  const retryOf = new Map<ToolEntry, ToolEntry>();
  const latest = new Map<string, ToolEntry>();
  for (let i = entries.length - 1; i >= 0; i--) {
    const e = entries[i] as ToolEntry;
    if (e.callId === undefined) continue;
    const later = latest.get(e.callId);
    if (later) retryOf.set(e, later);
    latest.set(e.callId, e);
  }

  const tools: ToolMatch[] = entries.map((entry) => {
    const retry = retryOf.get(entry);
    const required = entry.executed || retry === undefined;
    const sent = entry.callIdSource === 'sent';
    const sameId = free(entry.callId ? byId.get(entry.callId) : undefined);
    const sameIdTool = sameId.filter((r) => r.record.tool === entry.tool);
    let argsMatches: Executed[] | undefined;
    const sameArgs = () =>
      (argsMatches ??= free(byTool.get(entry.tool)).filter(
        // A record under another call id the world saw belongs to that call, unless the world only guessed.
        (r) => (!sent || !worldIds.has(r.record.call_id)) && argsDifference(r.record.args, entry.args) === undefined,
      ));
    // Records are in the order the agent wrote them: the first that could tell of this request.
    const fitting = (list: readonly Executed[]) =>
      list.find((r) => couldTell(r.record.started_at, r.record.ended_at, entry, r.record.status === 'ok' && entry.status !== 0));

    let record: Executed | undefined;
    if (!required) {
      // Its own record ended before the retry was sent; the retry's own (or a folded one) did not.
      const ownRecord = (r: Executed) => {
        const e = instant(r.record.ended_at);
        return e !== undefined && retry !== undefined && e.ms <= retry.startedAt + e.precision;
      };
      record = fitting([...sameIdTool, ...(sent ? [] : sameArgs())].filter(ownRecord));
    } else if (sent) {
      record = fitting(sameIdTool) ?? sameIdTool[0] ?? fitting(sameArgs()) ?? sameArgs()[0] ?? sameId[0];
    } else {
      record = fitting(sameIdTool) ?? fitting(sameArgs()) ?? sameIdTool[0] ?? sameArgs()[0] ?? sameId[0];
    }
    if (record) taken.add(record);
    return { entry, record, required, callId: sent ? entry.callId : (record?.record.call_id ?? entry.callId) };
  });
  return { tools, strayTools: records.filter((r) => !taken.has(r)) };
}

/**
 * Could this record tell of a request the world saw in `[startedAt, endedAt]`? It started before
 * the request arrived and ended after that; if it says it got the answer, after the answer.
 * (Only for pairing: what is reported is `windowProblem`.)
 */
function couldTell(started: string, ended: string, world: { startedAt: number; endedAt: number }, gotAnswer: boolean): boolean {
  const e = instant(ended);
  return e !== undefined && e.ms + e.tolerance >= world.startedAt && windowFault(started, ended, world, gotAnswer) === undefined;
}

// How far ahead of the first unmatched model.called a request's record may be (parallel calls).
const MODEL_LOOKAHEAD = 8;

/**
 * Model requests are matched in order with the records, a few ahead at most (an agent may call
 * the model in parallel): the first whose times fit. A failed request the
 * agent retried (a 5xx, a cut stream) takes only a record of its own; one record for both is fine.
 */
function matchModels(entries: readonly ModelEntry[], records: readonly ModelRecord[]) {
  const taken = new Set<ModelRecord>();
  let from = 0;
  const models: ModelMatch[] = entries.map((entry, i) => {
    const next = entries[i + 1];
    const required = modelAnswered(entry) || next === undefined;
    while (from < records.length && taken.has(records[from] as ModelRecord)) from++;
    const clean = modelAnswered(entry) && entry.fault === undefined;
    const fits = (r: ModelRecord) => couldTell(r.record.started_at, r.record.ended_at, entry, clean);
    // Its own record, when a retry follows: one that ended before the retry was sent.
    const own = (r: ModelRecord) => {
      const e = instant(r.record.ended_at);
      return e !== undefined && next !== undefined && e.ms <= next.startedAt + e.precision;
    };
    let record: ModelRecord | undefined;
    let first: ModelRecord | undefined;
    for (let j = from, seen = 0; j < records.length && seen < MODEL_LOOKAHEAD; j++) {
      const r = records[j] as ModelRecord;
      if (taken.has(r)) continue;
      seen++;
      first ??= r;
      if (fits(r) && (required || own(r))) {
        record = r;
        break;
      }
    }
    if (!record && required) record = first;
    if (record) taken.add(record);
    return { entry, record, required };
  });
  return { models, strayModels: records.filter((r) => !taken.has(r)) };
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}

function firstByKey<T>(items: readonly T[], key: (item: T) => string): Map<string, T> {
  const out = new Map<string, T>();
  for (const item of items) if (!out.has(key(item))) out.set(key(item), item);
  return out;
}

/** A record that tells what became of a proposed call. */
export type CallRecord = Located<'tool.denied'> | Located<'approval.requested'> | Located<'tool.executed'>;

function recordsByCall(audit: AuditLog): Map<string, CallRecord[]> {
  const out = new Map<string, CallRecord[]>();
  for (const l of audit.lines) {
    if (!l.ok) continue;
    const r = l.record;
    if (r.type !== 'tool.denied' && r.type !== 'approval.requested' && r.type !== 'tool.executed') continue;
    const list = out.get(r.call_id);
    const located = { line: l.line, record: r } as CallRecord;
    if (list) list.push(located);
    else out.set(r.call_id, [located]);
  }
  return out;
}
