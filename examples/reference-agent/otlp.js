// @ts-check
// The audit as OpenTelemetry traces, the alternative to the JSONL file: the same records as
// GenAI semantic-convention spans (invoke_agent, chat, execute_tool) with the guard decisions as
// `agent_chaos.*` events on the run's span (the mapping is in docs/audit.md). No SDK: the spans
// are built here and exported as OTLP/HTTP JSON with plain fetch when the run ends.
import { randomBytes } from 'node:crypto';

const EXPORT_TIMEOUT_MS = 5000;
const SCOPE = { name: 'agent-chaos-reference-agent', version: '1.0.0' };
const COMMON = new Set(['ts', 'run_id', 'trigger_id', 'agent_id', 'type']);
// Record fields with a GenAI semantic-convention attribute; every other field is agent_chaos.<field>.
/** @type {Record<string, string>} */
const GENAI = {
  call_id: 'gen_ai.tool.call.id',
  tool: 'gen_ai.tool.name',
  args: 'gen_ai.tool.call.arguments',
  result: 'gen_ai.tool.call.result',
};
const JSON_FIELDS = new Set(['args', 'result', 'error']);

/**
 * @typedef {{ key: string, value: Record<string, unknown> }} KeyValue
 * @typedef {object} OtlpSink
 * @property {(record: Record<string, any>) => void} add  one audit record, already redacted
 * @property {(text: string) => Promise<void>} sendRaw  an export body as is (the broken-JSON break)
 * @property {() => Promise<void>} flush  exports everything; called once, when the run ends
 */

/**
 * @param {{ endpoint: string }} options  `endpoint`: OTEL_EXPORTER_OTLP_ENDPOINT
 * @returns {OtlpSink}
 */
export function createOtlpSink({ endpoint }) {
  const url = `${endpoint.replace(/\/+$/, '')}/v1/traces`;
  const traceId = randomBytes(16).toString('hex');
  const rootId = randomBytes(8).toString('hex');
  /** @type {any[]} */
  const spans = [];
  /** @type {any[]} */
  const events = [];
  /** @type {{ start: string, attributes: KeyValue[], agentId: string } | undefined} */
  let root;
  /** @type {{ end: string, attributes: KeyValue[], failed: boolean } | undefined} */
  let end;
  let last = 0n;

  // Times are ms; each record gets a distinct nanosecond, in the order it was written, so the
  // harness reads them back in exactly that order.
  /** @param {string} iso */
  const stamp = (iso) => {
    let ns = BigInt(Date.parse(iso)) * 1_000_000n;
    if (ns <= last) ns = last + 1n;
    last = ns;
    return String(ns);
  };
  /** @param {string} iso */
  const at = (iso) => String(BigInt(Date.parse(iso)) * 1_000_000n);

  /** @param {Record<string, any>} record @param {string[]} [skip] */
  const fieldsOf = (record, skip = []) =>
    Object.entries(record)
      .filter(([k, v]) => !COMMON.has(k) && !skip.includes(k) && v !== undefined && v !== null)
      .map(([k, v]) => kv(GENAI[k] ?? `agent_chaos.${k}`, JSON_FIELDS.has(k) ? JSON.stringify(v) : v));

  /** @param {string} name @param {Record<string, any>} r @param {KeyValue[]} attributes @param {boolean} failed @param {unknown} error */
  const child = (name, r, attributes, failed, error) =>
    spans.push({
      traceId,
      spanId: randomBytes(8).toString('hex'),
      parentSpanId: rootId,
      name,
      kind: 3,
      startTimeUnixNano: at(r.started_at),
      endTimeUnixNano: stamp(r.ended_at),
      attributes,
      status: failed ? { code: 2, message: messageOf(error) } : { code: 0 },
    });

  return {
    add(r) {
      switch (r.type) {
        case 'run.started':
          root = {
            start: stamp(r.ts),
            agentId: String(r.agent_id),
            attributes: [
              kv('gen_ai.operation.name', 'invoke_agent'),
              kv('gen_ai.agent.id', r.agent_id),
              kv('agent_chaos.run_id', r.run_id),
              kv('agent_chaos.trigger_id', r.trigger_id),
              kv('agent_chaos.trigger_source', r.trigger?.source),
              kv('gen_ai.provider.name', r.model?.provider),
              kv('gen_ai.request.model', r.model?.name),
              kv('agent_chaos.instructions_version', r.instructions_version),
              kv('agent_chaos.tool_schema_version', r.tool_schema_version),
            ].filter(Boolean),
          };
          break;
        case 'model.called':
          child(
            `chat ${r.model?.name}`,
            r,
            [
              kv('gen_ai.operation.name', 'chat'),
              kv('gen_ai.provider.name', r.model?.provider),
              kv('gen_ai.request.model', r.model?.name),
              kv('gen_ai.usage.input_tokens', r.input_tokens),
              kv('gen_ai.usage.output_tokens', r.output_tokens),
              ...(r.error ? [kv('error.type', r.error.status ? `http_${r.error.status}` : 'error')] : []),
            ].filter(Boolean),
            Boolean(r.error),
            r.error,
          );
          break;
        case 'tool.executed':
          child(
            `execute_tool ${r.tool}`,
            r,
            [
              kv('gen_ai.operation.name', 'execute_tool'),
              ...fieldsOf(r, ['started_at', 'ended_at', 'input_tokens', 'output_tokens']),
              ...(r.status === 'ok' ? [] : [kv('error.type', r.status === 'timeout' ? 'timeout' : String(r.error?.code ?? 'error'))]),
            ].filter(Boolean),
            r.status !== 'ok',
            r.error,
          );
          break;
        case 'run.ended':
          end = { end: stamp(r.ts), failed: r.status === 'failed', attributes: fieldsOf(r).filter(Boolean) };
          break;
        default:
          events.push({ timeUnixNano: stamp(r.ts), name: `agent_chaos.${r.type}`, attributes: fieldsOf(r).filter(Boolean) });
      }
    },

    async sendRaw(text) {
      await post(url, text);
    },

    async flush() {
      if (!root) return;
      const rootSpan = {
        traceId,
        spanId: rootId,
        name: `invoke_agent ${root.agentId}`,
        kind: 1,
        startTimeUnixNano: root.start,
        endTimeUnixNano: end?.end ?? stamp(new Date().toISOString()),
        attributes: [...root.attributes, ...(end?.attributes ?? [])],
        events,
        status: end?.failed ? { code: 2 } : { code: 0 },
      };
      const body = {
        resourceSpans: [
          {
            resource: { attributes: [kv('service.name', root.agentId)] },
            scopeSpans: [{ scope: SCOPE, spans: [rootSpan, ...spans] }],
          },
        ],
      };
      await post(url, JSON.stringify(body));
    },
  };
}

/**
 * An OTLP attribute; undefined for a missing value. Integers are strings in OTLP JSON.
 * @param {string} key @param {unknown} value @returns {any}
 */
function kv(key, value) {
  const v = anyValue(value);
  return v === undefined ? undefined : { key, value: v };
}

/** @param {unknown} value @returns {Record<string, unknown> | undefined} */
function anyValue(value) {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  if (typeof value === 'number') return Number.isInteger(value) ? { intValue: String(value) } : { doubleValue: value };
  if (Array.isArray(value)) return { arrayValue: { values: value.map(anyValue).filter(Boolean) } };
  return { stringValue: JSON.stringify(value) };
}

/** @param {unknown} error */
function messageOf(error) {
  const e = /** @type {any} */ (error);
  return typeof e?.message === 'string' ? e.message : JSON.stringify(error ?? null);
}

/**
 * The export must go out even when the run was cancelled: it has its own timeout and signal.
 * @param {string} url @param {string} text
 */
async function post(url, text) {
  try {
    const res = await globalThis.fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: text,
      signal: AbortSignal.timeout(EXPORT_TIMEOUT_MS),
    });
    await res.arrayBuffer();
  } catch {
    // Nothing to do: an audit that did not arrive is what the harness reports.
  }
}
