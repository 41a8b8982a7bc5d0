import fc from 'fast-check';
import { type AuditLog, parseAudit } from '../../../src/world/audit-intake.js';
import { auditFromOtlp } from '../../../src/world/otlp-audit.js';

/**
 * Ways of writing the same audit that docs/agent-contract.md §4 and docs/audit.md allow. Each
 * one is what some honest agent, in some language or framework, would write: the checks must
 * judge every style of a good audit as they judge the original.
 */
export interface Style {
  /** Seed of the per-record choices (key order, which strings get redacted, which offset). */
  seed: number;
  shuffleKeys: boolean;
  model: 'object' | 'string' | 'prefixed' | 'name-only' | 'mixed';
  /** Offsets the times are written in; each time picks one. */
  offsets: readonly string[];
  /** Fraction digits of every time (3 = milliseconds, as written by JavaScript). */
  digits: 0 | 1 | 2 | 3 | 6 | 9;
  lowercase: boolean;
  spaceSeparator: boolean;
  externalIds: 'strings' | 'objects' | 'mixed' | 'single';
  numericStrings: boolean;
  /** Leave out the optional fields that hold null / nothing (approver, decided_at, reason, []). */
  dropEmpty: boolean;
  /** Redact text in the fields redaction may touch (args, result, error, preview, reasons). */
  redact: boolean;
  extraFields: boolean;
  /** Records of the agent's own types (JSONL), or spans and events of other kinds (OTLP), anywhere. */
  extraRecords: boolean;
  channel: 'file' | 'otlp';
}

const OFFSETS = ['Z', 'z', '+00:00', '-00:00', '+02:00', '-05:30', '+05:45', '+0100', '-11:00', '+14:00'];

export const styleArb: fc.Arbitrary<Style> = fc.record({
  seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
  shuffleKeys: fc.boolean(),
  model: fc.constantFrom('object', 'string', 'prefixed', 'name-only', 'mixed'),
  offsets: fc.subarray(OFFSETS, { minLength: 1, maxLength: 4 }),
  digits: fc.constantFrom(0, 1, 2, 3, 6, 9),
  lowercase: fc.boolean(),
  spaceSeparator: fc.boolean(),
  externalIds: fc.constantFrom('strings', 'objects', 'mixed', 'single'),
  numericStrings: fc.boolean(),
  dropEmpty: fc.boolean(),
  redact: fc.boolean(),
  extraFields: fc.boolean(),
  extraRecords: fc.boolean(),
  channel: fc.constantFrom('file', 'otlp'),
}) as fc.Arbitrary<Style>;

/** A small deterministic generator for the per-record choices of one style. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

const TIME_FIELDS = ['ts', 'started_at', 'ended_at', 'decided_at'];
type Rec = Record<string, unknown>;

/** `ms` written in `offset` with `digits` fraction digits; the extra digits past ms are noise below the instant. */
export function writeTime(ms: number, offset: string, digits: number, random: () => number, lower = false, space = false): string {
  const minutes = offsetMinutes(offset);
  const local = new Date(ms + minutes * 60_000).toISOString();
  let fraction = '';
  if (digits > 0) {
    fraction = `.${local.slice(20, 23).slice(0, digits)}`;
    for (let i = 3; i < digits; i++) fraction += String(Math.floor(random() * 10));
  }
  let text = `${local.slice(0, 10)}${space ? ' ' : 'T'}${local.slice(11, 19)}${fraction}${offset}`;
  if (lower) text = text.replace('T', 't').replace(/Z$/, 'z');
  return text;
}

function offsetMinutes(offset: string): number {
  const m = /^([+-])(\d{2}):?(\d{2})$/.exec(offset);
  return m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
}

const REDACTABLE = ['args', 'result', 'error', 'preview'];
const MARKERS = ['[REDACTED]', '[REDACTED:email]', '[REDACTED:secret]'];

/** Replaces some strings (or a middle part of them) under `value` by a redaction marker. */
function redactStrings(value: unknown, random: () => number): unknown {
  if (typeof value === 'string') {
    // Text already redacted stays as it is: a marker cut in two is no marker.
    if (value.length < 4 || value.includes('[REDACTED') || random() < 0.6) return value;
    const marker = MARKERS[Math.floor(random() * MARKERS.length)] as string;
    if (random() < 0.5) return marker;
    const from = 1 + Math.floor(random() * (value.length - 2));
    const to = from + 1 + Math.floor(random() * (value.length - from - 1));
    return `${value.slice(0, from)}${marker}${value.slice(to)}`;
  }
  if (Array.isArray(value)) return value.map((v) => redactStrings(v, random));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactStrings(v, random)]));
  }
  return value;
}

function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

function reorder(value: unknown, random: () => number): unknown {
  if (Array.isArray(value)) return value.map((v) => reorder(v, random));
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(shuffled(Object.entries(value), random).map(([k, v]) => [k, reorder(v, random)]));
}

function modelIn(style: Style, model: unknown, random: () => number): unknown {
  if (model === null || typeof model !== 'object') return model;
  const { provider, name } = model as { provider?: string; name: string };
  const form = style.model === 'mixed' ? (['object', 'string', 'prefixed', 'name-only'] as const)[Math.floor(random() * 4)] : style.model;
  if (form === 'string') return name;
  if (form === 'prefixed') return provider ? `${provider}/${name}` : name;
  if (form === 'name-only') return { name };
  return model;
}

function externalIdsIn(style: Style, ids: string[], random: () => number): unknown {
  const object = (id: string) => (/^https?:/.test(id) ? { url: id } : { id });
  switch (style.externalIds) {
    case 'strings':
      return ids;
    case 'objects':
      // A created thing's id and URL together, as one object.
      return ids.length === 2 && /^https?:/.test(ids[1] as string) ? [{ id: ids[0], url: ids[1] }] : ids.map(object);
    case 'mixed':
      return ids.map((id) => (random() < 0.5 ? object(id) : id));
    case 'single':
      return ids.length === 1 ? ids[0] : ids;
  }
}

/** One record rewritten in `style` (same meaning, other form). */
function restyle(record: Rec, style: Style, random: () => number): Rec {
  const r: Rec = structuredClone(record);
  for (const field of TIME_FIELDS) {
    const value = r[field];
    // A time that is not RFC 3339 (a mutation's) stays as it is, for the harness to refuse.
    if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:\d{2})$/.test(value)) continue;
    const offset = style.offsets[Math.floor(random() * style.offsets.length)] as string;
    r[field] = writeTime(Date.parse(value), offset, style.digits, random, style.lowercase, style.spaceSeparator);
  }
  if ('model' in r) r.model = modelIn(style, r.model, random);
  if (Array.isArray(r.external_ids)) {
    if (r.external_ids.length === 0 && style.dropEmpty) delete r.external_ids;
    else r.external_ids = externalIdsIn(style, r.external_ids as string[], random);
  }
  if (style.numericStrings) {
    for (const field of ['input_tokens', 'output_tokens', 'limit', 'used']) if (typeof r[field] === 'number') r[field] = String(r[field]);
  }
  if (style.dropEmpty) {
    for (const field of ['approver', 'decided_at', 'reason', 'previous_schema_version']) {
      if (r[field] === null && !(field === 'reason' && r.type !== 'run.ended')) delete r[field];
    }
  }
  if (style.redact) {
    for (const field of REDACTABLE) if (field in r) r[field] = redactStrings(r[field], random);
    if (typeof r.reason === 'string') r.reason = redactStrings(r.reason, random);
  }
  if (style.extraFields && random() < 0.5) {
    r.x_span_id = Math.floor(random() * 1e9).toString(16);
    r.meta = { framework: 'conformance', attempt: 1, tags: ['a', 'b'], nested: { ok: true } };
  }
  return style.shuffleKeys ? (reorder(r, random) as Rec) : r;
}

/** The audit of `records` (as the agent wrote them) in `style`, read the way the harness reads it. */
export function styledAudit(records: readonly Rec[], style: Style): AuditLog {
  const random = rng(style.seed);
  const styled = records.map((r) => restyle(r, style, random));
  if (style.channel === 'file') {
    const lines = styled.map((r) => JSON.stringify(r));
    if (style.extraRecords) {
      const envelope = {
        ts: records[0]?.ts,
        run_id: records[0]?.run_id,
        trigger_id: records[0]?.trigger_id,
        agent_id: records[0]?.agent_id,
      };
      for (const [n, own] of [
        { type: 'agent.step', step: 1 },
        { type: 'log', level: 'info', message: 'thinking' },
        { type: 'memory.updated' },
      ].entries()) {
        // Anywhere: before run.started and after run.ended too.
        const at = n === 0 ? 0 : n === 1 ? lines.length : Math.floor(random() * (lines.length + 1));
        lines.splice(at, 0, JSON.stringify({ ...envelope, ...own }));
      }
    }
    return parseAudit(lines.join('\n'));
  }
  return auditFromOtlp([{ seq: 0, body: otlpExport(records, styled, style, random) }]);
}

// ---- the OTLP channel --------------------------------------------------------------------------

type KeyValue = { key: string; value: Rec };

function anyValue(value: unknown): Rec {
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  if (typeof value === 'number') return Number.isInteger(value) ? { intValue: String(value) } : { doubleValue: value };
  if (Array.isArray(value)) return { arrayValue: { values: value.map(anyValue) } };
  if (value !== null && typeof value === 'object') return { kvlistValue: { values: attrs(value as Rec) } };
  return {};
}

function attrs(fields: Rec): KeyValue[] {
  return Object.entries(fields)
    .filter(([, v]) => v !== undefined && v !== null)
    .map(([key, v]) => ({ key, value: anyValue(v) }));
}

const ENVELOPE = new Set(['ts', 'run_id', 'trigger_id', 'agent_id', 'type']);
const GENAI: Record<string, string> = {
  call_id: 'gen_ai.tool.call.id',
  tool: 'gen_ai.tool.name',
  args: 'gen_ai.tool.call.arguments',
  result: 'gen_ai.tool.call.result',
};

/** A record's fields as span or event attributes, per the mapping in docs/audit.md. */
function fieldAttrs(record: Rec, skip: readonly string[], random: () => number): Rec {
  const out: Rec = {};
  for (const [field, value] of Object.entries(record)) {
    if (ENVELOPE.has(field) || skip.includes(field) || value === null || value === undefined) continue;
    const key = GENAI[field] ?? `agent_chaos.${field}`;
    if (field === 'args' || field === 'result' || field === 'error') {
      // JSON text, or an OTLP map when it is an object (both are read).
      // OTLP has no null, so a value holding one goes as JSON text.
      const asMap = value !== null && typeof value === 'object' && !Array.isArray(value) && !JSON.stringify(value).includes('null');
      out[key] = asMap && random() < 0.3 ? value : JSON.stringify(value);
    } else if (field === 'external_ids') {
      out[key] = Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : JSON.stringify(value);
    } else {
      out[key] = value;
    }
  }
  return out;
}

function modelAttrs(model: unknown): Rec {
  if (typeof model === 'string') return { 'gen_ai.request.model': model };
  const { provider, name } = (model ?? {}) as { provider?: string; name?: string };
  return { 'gen_ai.request.model': name, ...(provider ? { 'gen_ai.provider.name': provider } : {}) };
}

/**
 * The records as one OTLP/HTTP JSON export: the run as the `invoke_agent` span, model calls and
 * tool calls as child spans, everything else as `agent_chaos.<type>` events on the run's span.
 * `original` gives the instants (the styled records may be coarser); ties keep the audit's order
 * by nanoseconds, as docs/audit.md asks.
 */
function otlpExport(original: readonly Rec[], styled: readonly Rec[], style: Style, random: () => number): Rec {
  const trace = '0af7651916cd43dd8448eb211c80319c';
  const ns = (text: unknown, i: number) => String(BigInt(Date.parse(String(text))) * 1_000_000n + BigInt(i));
  const started = styled.find((r) => r.type === 'run.started') ?? {};
  const ended = styled.find((r) => r.type === 'run.ended') ?? {};
  const startIndex = styled.indexOf(started);
  const endIndex = styled.indexOf(ended);
  const rootId = 'a000000000000001';
  const onEveryItem = random() < 0.5;
  const ids = { 'agent_chaos.run_id': started.run_id, 'agent_chaos.trigger_id': started.trigger_id };
  const root: Rec = {
    traceId: trace,
    spanId: rootId,
    name: `invoke_agent ${String(started.agent_id)}`,
    startTimeUnixNano: ns(original[startIndex]?.ts, startIndex),
    endTimeUnixNano: ns(original[endIndex]?.ts, endIndex),
    attributes: attrs({
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.agent.id': started.agent_id,
      ...ids,
      'agent_chaos.trigger_source': (started.trigger as Rec | undefined)?.source,
      ...modelAttrs(started.model),
      'agent_chaos.instructions_version': started.instructions_version,
      'agent_chaos.tool_schema_version': started.tool_schema_version,
      'agent_chaos.status': ended.status,
      'agent_chaos.reason': ended.reason,
    }),
    events: [] as Rec[],
  };
  const spans: Rec[] = [root];
  styled.forEach((r, i) => {
    const o = original[i] as Rec;
    // The run's ids are inherited from the run's span; a record that says otherwise carries its own.
    const differs = r.run_id !== started.run_id || r.trigger_id !== started.trigger_id;
    const own = onEveryItem || differs ? { 'agent_chaos.run_id': r.run_id, 'agent_chaos.trigger_id': r.trigger_id } : {};
    if (r.type === 'run.started' || r.type === 'run.ended') return;
    if (r.type === 'model.called' || r.type === 'tool.executed') {
      const model = r.type === 'model.called';
      spans.push({
        traceId: trace,
        spanId: `b${String(i).padStart(15, '0')}`,
        parentSpanId: rootId,
        name: model ? 'chat' : `execute_tool ${String(r.tool)}`,
        startTimeUnixNano: ns(o.started_at, i),
        endTimeUnixNano: ns(o.ended_at, i),
        attributes: attrs({
          'gen_ai.operation.name': model ? 'chat' : 'execute_tool',
          ...own,
          ...(model
            ? {
                ...modelAttrs(r.model),
                'gen_ai.usage.input_tokens': r.input_tokens,
                'gen_ai.usage.output_tokens': r.output_tokens,
                ...fieldAttrs(r, ['model', 'started_at', 'ended_at', 'input_tokens', 'output_tokens'], random),
              }
            : fieldAttrs(r, ['started_at', 'ended_at'], random)),
        }),
      });
      return;
    }
    (root.events as Rec[]).push({
      timeUnixNano: ns(o.ts, i),
      name: `agent_chaos.${String(r.type)}`,
      attributes: attrs({ ...own, ...fieldAttrs(r, [], random) }),
    });
  });
  if (style.extraRecords) {
    // Spans and events the mapping does not read: an HTTP client span, a framework's own event.
    const first = original[0]?.ts;
    spans.push({
      traceId: trace,
      spanId: 'c000000000000001',
      parentSpanId: rootId,
      name: 'POST',
      startTimeUnixNano: ns(first, 1),
      endTimeUnixNano: ns(first, 2),
      attributes: attrs({ 'http.request.method': 'POST', 'url.full': 'http://127.0.0.1/x' }),
    });
    (root.events as Rec[]).push({ timeUnixNano: ns(first, 3), name: 'framework.checkpoint', attributes: attrs({ step: 1 }) });
  }
  // An exporter sends spans in the order they end, not the order they began.
  return {
    resourceSpans: [
      {
        resource: { attributes: attrs({ 'service.name': started.agent_id }) },
        scopeSpans: [{ scope: { name: 'conformance' }, spans: style.shuffleKeys ? shuffled(spans, random) : [...spans.slice(1), root] }],
      },
    ],
  };
}
