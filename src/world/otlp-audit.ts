import type { Ledger, OtherEntry } from '../ledger/ledger.js';
import { type AuditLine, type AuditLog, auditLine, auditLog } from './audit-intake.js';
import { isPlainObject } from './canonical.js';

/** Namespace of the harness's own span and event attributes. */
export const OTLP_NAMESPACE = 'agent_chaos.';

/**
 * GenAI semantic-convention attributes that carry a record field. Any other contract field `f`
 * is read from `agent_chaos.f` on the span or event itself.
 */
const GENAI_FIELD: Readonly<Record<string, string>> = {
  call_id: 'gen_ai.tool.call.id',
  tool: 'gen_ai.tool.name',
  args: 'gen_ai.tool.call.arguments',
  result: 'gen_ai.tool.call.result',
};

/**
 * Record fields that hold JSON; sent as JSON text in a string attribute (or as an OTLP map or
 * list). `external_ids` too: an attribute cannot hold a list of `{url, id}` objects, JSON text can.
 */
const JSON_FIELDS = new Set(['args', 'result', 'error', 'external_ids']);

/** Records carried by span events named `agent_chaos.<type>`, with the fields each reads. */
const EVENT_FIELDS: Readonly<Record<string, readonly string[]>> = {
  'tool.proposed': ['call_id', 'tool', 'args'],
  'tool.denied': ['call_id', 'tool', 'rule', 'reason'],
  'approval.requested': ['approval_id', 'call_id', 'tool', 'preview'],
  'approval.decided': ['approval_id', 'decision', 'approver', 'decided_at'],
  'budget.exceeded': ['budget', 'limit', 'used'],
  escalated: ['reason', 'target'],
  'tools.listed': ['tool_schema_version', 'previous_schema_version', 'changed'],
};

const TOOL_FIELDS = ['call_id', 'tool', 'args', 'result', 'error', 'status', 'external_ids'] as const;
const MODEL_OPERATIONS = new Set(['chat', 'text_completion', 'generate_content']);
const MAX_DEPTH = 64;

type Attributes = ReadonlyMap<string, unknown>;

interface SpanEvent {
  name: string;
  time: bigint | undefined;
  attributes: Attributes;
}

interface Span {
  key: string;
  parentKey: string | undefined;
  name: string;
  operation: string;
  start: bigint | undefined;
  end: bigint | undefined;
  attributes: Attributes;
  resource: Attributes;
  events: SpanEvent[];
  error: boolean;
  statusMessage: string | undefined;
  /** ledger#N of the export that carried it. */
  exportSeq: number;
}

interface Item {
  time: bigint | undefined;
  /** run.started sorts before anything at the same instant, run.ended after. */
  rank: number;
  order: number;
  record: Record<string, unknown>;
  /** Where it came from, for a problem message (built only when there is one). */
  source: () => string;
}

/** The OTLP trace exports of a run, as the world recorded them. */
export function otlpExports(ledger: Ledger): OtherEntry[] {
  return ledger.entries.filter((e): e is OtherEntry => e.kind === 'other' && e.service === 'otlp' && e.note === 'traces');
}

/**
 * Maps OTLP/HTTP JSON trace exports (GenAI semantic conventions plus `agent_chaos.*` attributes)
 * to the same records as the JSONL audit, so every audit check runs unchanged on either channel.
 * Records are ordered by time (the span's start for run.started, its end for run.ended and for
 * model and tool spans, the event's time for decisions), then by arrival. `line` is the record's
 * position in that stream; exports that are not OTLP JSON come last, as invalid lines.
 * The mapping is documented in docs/audit.md.
 */
export function auditFromOtlp(exports: readonly Pick<OtherEntry, 'seq' | 'body'>[]): AuditLog {
  const spans = new Map<string, Span>();
  const broken: { seq: number; problem: string; raw: string }[] = [];
  for (const { seq, body } of exports) {
    const problem = collectSpans(body, seq, spans);
    if (problem) broken.push({ seq, problem, raw: typeof body === 'string' ? body : JSON.stringify(body) });
  }

  const items: Item[] = [];
  let order = 0;
  const push = (item: Omit<Item, 'order'>) => items.push({ ...item, order: order++ });
  for (const span of spans.values()) {
    const source = () => describeSpan(span);
    if (span.operation === 'invoke_agent' && !agentAncestor(span, spans)) {
      push({ time: span.start, rank: 0, record: runStarted(span, spans), source });
      push({ time: span.end, rank: 2, record: runEnded(span, spans), source });
    } else if (MODEL_OPERATIONS.has(span.operation)) {
      push({ time: span.end, rank: 1, record: modelCalled(span, spans), source });
    } else if (span.operation === 'execute_tool') {
      push({ time: span.end, rank: 1, record: toolExecuted(span, spans), source });
    }
    for (const event of span.events) {
      const type = event.name.startsWith(OTLP_NAMESPACE) ? event.name.slice(OTLP_NAMESPACE.length) : '';
      const fields = EVENT_FIELDS[type];
      if (!fields) continue;
      push({
        time: event.time,
        rank: 1,
        record: eventRecord(type, fields, event, span, spans),
        source: () => `event "${event.name}" on ${describeSpan(span)}`,
      });
    }
  }
  items.sort(byTime);

  const lines: AuditLine[] = items.map((item, i) =>
    withSource(
      auditLine(item.record, i + 1, JSON.stringify(item.record), (path) => `${path} (${attributeOf(path)})`),
      item.source,
    ),
  );
  for (const b of broken) {
    lines.push({ line: lines.length + 1, ok: false, raw: b.raw, problem: `OTLP export ledger#${b.seq} ${b.problem}` });
  }
  return auditLog(lines, 'otlp');
}

function withSource(line: AuditLine, source: () => string): AuditLine {
  return line.ok ? line : { ...line, problem: `${source()}: ${line.problem}` };
}

function byTime(a: Item, b: Item): number {
  if (a.time !== undefined && b.time !== undefined && a.time !== b.time) return a.time < b.time ? -1 : 1;
  if ((a.time === undefined) !== (b.time === undefined)) return a.time === undefined ? 1 : -1;
  return a.rank - b.rank || a.order - b.order;
}

// ---- reading exports -------------------------------------------------------------------------

/** Adds the spans of one export; returns why it is not OTLP JSON, if it is not. */
function collectSpans(body: unknown, exportSeq: number, into: Map<string, Span>): string | undefined {
  if (typeof body === 'string') {
    return body.trim() === ''
      ? 'is empty'
      : 'is not OTLP/HTTP JSON (the body is not JSON; protobuf is not read: export with the http/json protocol)';
  }
  const resourceSpans = field(body, 'resourceSpans', 'resource_spans');
  if (!Array.isArray(resourceSpans)) return 'is not OTLP/HTTP JSON: it has no resourceSpans list';
  for (const rs of resourceSpans) {
    const resource = attributesOf(field(field(rs, 'resource'), 'attributes'));
    const scopeSpans = field(rs, 'scopeSpans', 'scope_spans');
    for (const ss of Array.isArray(scopeSpans) ? scopeSpans : []) {
      const list = field(ss, 'spans');
      for (const raw of Array.isArray(list) ? list : []) {
        const span = toSpan(raw, resource, exportSeq);
        if (span) into.set(span.key, span);
      }
    }
  }
  return undefined;
}

function toSpan(raw: unknown, resource: Attributes, exportSeq: number): Span | undefined {
  if (!isPlainObject(raw)) return undefined;
  const traceId = String(field(raw, 'traceId', 'trace_id') ?? '');
  const spanId = String(field(raw, 'spanId', 'span_id') ?? '');
  const parentId = field(raw, 'parentSpanId', 'parent_span_id');
  const name = typeof raw.name === 'string' ? raw.name : '';
  const attributes = attributesOf(raw.attributes);
  const operation = String(attributes.get('gen_ai.operation.name') ?? name.split(' ')[0] ?? '');
  const status = field(raw, 'status');
  const code = field(status, 'code');
  const events = field(raw, 'events');
  return {
    key: `${traceId}/${spanId}`,
    parentKey: typeof parentId === 'string' && parentId !== '' ? `${traceId}/${parentId}` : undefined,
    name,
    operation,
    start: nanos(field(raw, 'startTimeUnixNano', 'start_time_unix_nano')),
    end: nanos(field(raw, 'endTimeUnixNano', 'end_time_unix_nano')),
    attributes,
    resource,
    events: (Array.isArray(events) ? events : []).filter(isPlainObject).map((e) => ({
      name: typeof e.name === 'string' ? e.name : '',
      time: nanos(field(e, 'timeUnixNano', 'time_unix_nano')),
      attributes: attributesOf(e.attributes),
    })),
    error: code === 2 || code === 'STATUS_CODE_ERROR',
    statusMessage: typeof field(status, 'message') === 'string' ? (field(status, 'message') as string) : undefined,
    exportSeq,
  };
}

function field(value: unknown, name: string, alias?: string): unknown {
  if (!isPlainObject(value)) return undefined;
  return value[name] ?? (alias === undefined ? undefined : value[alias]);
}

function attributesOf(list: unknown): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const kv of Array.isArray(list) ? list : []) {
    if (isPlainObject(kv) && typeof kv.key === 'string') out.set(kv.key, anyValue(kv.value));
  }
  return out;
}

/** An OTLP AnyValue as plain JSON. 64-bit integers arrive as strings in OTLP JSON. */
function anyValue(v: unknown): unknown {
  if (!isPlainObject(v)) return undefined;
  if ('stringValue' in v) return v.stringValue;
  if ('boolValue' in v) return v.boolValue;
  if ('intValue' in v) return Number(v.intValue);
  if ('doubleValue' in v) return Number(v.doubleValue);
  if ('bytesValue' in v) return v.bytesValue;
  if ('arrayValue' in v) {
    const values = field(v.arrayValue, 'values');
    return (Array.isArray(values) ? values : []).map(anyValue);
  }
  if ('kvlistValue' in v) return Object.fromEntries(attributesOf(field(v.kvlistValue, 'values')));
  return undefined;
}

function nanos(value: unknown): bigint | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  try {
    const n = BigInt(value);
    return n > 0n ? n : undefined;
  } catch {
    return undefined;
  }
}

function iso(ns: bigint | undefined): string | undefined {
  if (ns === undefined) return undefined;
  const date = new Date(Number(ns / 1_000_000n));
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

// ---- spans to records ------------------------------------------------------------------------

function ancestors(span: Span, spans: ReadonlyMap<string, Span>): Span[] {
  const out: Span[] = [];
  for (let key = span.parentKey; key !== undefined && out.length < MAX_DEPTH; ) {
    const parent = spans.get(key);
    if (!parent) break;
    out.push(parent);
    key = parent.parentKey;
  }
  return out;
}

function agentAncestor(span: Span, spans: ReadonlyMap<string, Span>): boolean {
  return ancestors(span, spans).some((a) => a.operation === 'invoke_agent');
}

/** The fields every record has, looked up on the item, then its enclosing spans, then the resource. */
function common(span: Span, spans: ReadonlyMap<string, Span>, own?: Attributes): Record<string, unknown> {
  const chain = [...(own ? [own] : []), span.attributes, ...ancestors(span, spans).map((a) => a.attributes), span.resource];
  const find = (...keys: string[]) => {
    for (const key of keys) for (const attrs of chain) if (attrs.has(key)) return attrs.get(key);
    return undefined;
  };
  return {
    run_id: find(`${OTLP_NAMESPACE}run_id`),
    trigger_id: find(`${OTLP_NAMESPACE}trigger_id`),
    agent_id: find('gen_ai.agent.id', 'gen_ai.agent.name', 'service.name'),
  };
}

function ownField(attrs: Attributes, name: string): unknown {
  const genai = GENAI_FIELD[name];
  const value = genai !== undefined && attrs.has(genai) ? attrs.get(genai) : attrs.get(`${OTLP_NAMESPACE}${name}`);
  if (name === 'external_ids' && typeof value === 'string' && !/^\s*[[{]/.test(value)) return value;
  return JSON_FIELDS.has(name) ? parseJsonText(value) : value;
}

function parseJsonText(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/** `agent_chaos.*` attributes that are no contract field: kept as extra fields (the contract allows them). */
function extras(attrs: Attributes, used: readonly string[]): Record<string, unknown> {
  const skip = new Set(['run_id', 'trigger_id', ...used]);
  const out: Record<string, unknown> = {};
  for (const [key, value] of attrs) {
    if (!key.startsWith(OTLP_NAMESPACE)) continue;
    const name = key.slice(OTLP_NAMESPACE.length);
    if (/^[a-z][a-z0-9_]*$/.test(name) && !skip.has(name)) out[name] = value;
  }
  return out;
}

function compact(record: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key in record) {
    const value = record[key];
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/** The provider: `gen_ai.provider.name`, or `gen_ai.system`, its name before semantic conventions 1.37. */
function providerOf(a: Attributes): unknown {
  return a.get('gen_ai.provider.name') ?? a.get('gen_ai.system');
}

function runStarted(span: Span, spans: ReadonlyMap<string, Span>): Record<string, unknown> {
  const a = span.attributes;
  const base = common(span, spans);
  return compact({
    ts: iso(span.start),
    ...base,
    type: 'run.started',
    model: compact({ provider: providerOf(a), name: a.get('gen_ai.request.model') }),
    instructions_version: a.get(`${OTLP_NAMESPACE}instructions_version`),
    tool_schema_version: a.get(`${OTLP_NAMESPACE}tool_schema_version`),
    trigger: compact({ id: base.trigger_id, source: a.get(`${OTLP_NAMESPACE}trigger_source`) }),
  });
}

function runEnded(span: Span, spans: ReadonlyMap<string, Span>): Record<string, unknown> {
  const a = span.attributes;
  return compact({
    ts: iso(span.end),
    ...common(span, spans),
    type: 'run.ended',
    status: a.get(`${OTLP_NAMESPACE}status`) ?? (span.error ? 'failed' : 'completed'),
    reason: a.get(`${OTLP_NAMESPACE}reason`) ?? span.statusMessage,
  });
}

function spanError(span: Span): unknown {
  if (!span.error) return undefined;
  return compact({ type: span.attributes.get('error.type'), message: span.statusMessage });
}

function modelCalled(span: Span, spans: ReadonlyMap<string, Span>): Record<string, unknown> {
  const a = span.attributes;
  // A failed call often has no usage; it used none the agent was told of.
  const tokens = (key: string) => a.get(key) ?? (span.error ? 0 : undefined);
  return compact({
    ...extras(a, ['error']),
    ts: iso(span.end),
    ...common(span, spans),
    type: 'model.called',
    model: compact({ provider: providerOf(a), name: a.get('gen_ai.request.model') ?? a.get('gen_ai.response.model') }),
    started_at: iso(span.start),
    ended_at: iso(span.end),
    input_tokens: tokens('gen_ai.usage.input_tokens'),
    output_tokens: tokens('gen_ai.usage.output_tokens'),
    error: spanError(span),
  });
}

function toolExecuted(span: Span, spans: ReadonlyMap<string, Span>): Record<string, unknown> {
  const a = span.attributes;
  const fields = Object.fromEntries(TOOL_FIELDS.map((f) => [f, ownField(a, f)]));
  const errorType = a.get('error.type');
  const status = fields.status ?? (span.error ? (String(errorType ?? '').includes('timeout') ? 'timeout' : 'error') : 'ok');
  return compact({
    ...extras(a, TOOL_FIELDS),
    ts: iso(span.end),
    ...common(span, spans),
    type: 'tool.executed',
    ...fields,
    started_at: iso(span.start),
    ended_at: iso(span.end),
    status,
    error: fields.error ?? spanError(span),
  });
}

function eventRecord(
  type: string,
  fields: readonly string[],
  event: SpanEvent,
  span: Span,
  spans: ReadonlyMap<string, Span>,
): Record<string, unknown> {
  const own = Object.fromEntries(fields.map((f) => [f, ownField(event.attributes, f)]));
  // OTLP has no null: an absent approver or decision time is the record's null.
  if (type === 'approval.decided') {
    own.approver ??= null;
    own.decided_at ??= null;
  }
  return compact({
    ...extras(event.attributes, fields),
    ts: iso(event.time),
    ...common(span, spans, event.attributes),
    type,
    ...own,
  });
}

function describeSpan(span: Span): string {
  return `span "${span.name}" ${span.key.split('/')[1] ?? ''} (ledger#${span.exportSeq})`;
}

/** The OTLP attribute (or span property) a record field comes from, for problem messages. */
function attributeOf(path: string): string {
  const top = path.split('.')[0] ?? path;
  const named: Record<string, string> = {
    ts: 'the span or event time',
    started_at: 'the span start time',
    ended_at: 'the span end time',
    run_id: `${OTLP_NAMESPACE}run_id`,
    trigger_id: `${OTLP_NAMESPACE}trigger_id`,
    agent_id: 'gen_ai.agent.id',
    input_tokens: 'gen_ai.usage.input_tokens',
    output_tokens: 'gen_ai.usage.output_tokens',
  };
  if (path === 'model.name') return 'gen_ai.request.model';
  if (path === 'model.provider') return 'gen_ai.provider.name';
  if (path === 'trigger.source') return `${OTLP_NAMESPACE}trigger_source`;
  if (path.startsWith('trigger')) return `${OTLP_NAMESPACE}trigger_id`;
  return named[top] ?? GENAI_FIELD[top] ?? `${OTLP_NAMESPACE}${top}`;
}
