import type { Rng } from '../random.js';
import type { Fault } from '../world/fault.js';
import { anthropicError, jsonError, openAiError } from '../world/http.js';
import { aborted, byteStream, bytesOf, sleep, withBody } from './bodies.js';
import type { FaultSpec, FaultType } from './schema.js';

export { FAULT_SCHEMAS, FAULT_TYPES, type FaultSpec, type FaultType, faultSpecSchema } from './schema.js';

/** Which endpoint a fault answers for: error bodies take that endpoint's usual shape. */
export type FaultEndpoint = 'tool' | 'openai' | 'anthropic';

export interface FaultContext {
  endpoint: FaultEndpoint;
  /** Aborts when the agent hangs up or the world closes: held faults let go. */
  signal: AbortSignal;
  /** The rule's own seeded stream (jitter). */
  rng: Rng;
}

type Builder<T extends FaultType> = (spec: Extract<FaultSpec, { type: T }>, ctx: FaultContext) => Fault | Promise<Fault>;

const dropped = (name: string): Fault => ({ name, respond: () => Response.error() });

const STATUS_CODES: Record<number, string> = {
  500: 'internal_error',
  502: 'bad_gateway',
  503: 'service_unavailable',
  504: 'gateway_timeout',
};

// The error body the endpoint would send: the world's shape for tools, the provider's for the
// model (so SDKs raise their usual errors).
function errorAnswer(ctx: FaultContext, status: number, code: string, message: string, headers: Record<string, string> = {}) {
  if (ctx.endpoint === 'tool') return jsonError(status, code, message, headers);
  if (ctx.endpoint === 'anthropic') return anthropicError(status, message, headers);
  return openAiError(status, code, message, status === 429 ? 'requests' : 'server_error', headers);
}

/** How long a latency fault holds the answer: `ms`, plus a seeded draw of up to `jitter_ms`. */
export function latencyMs(spec: Extract<FaultSpec, { type: 'latency' }>, rng: Rng): number {
  return spec.ms + (spec.jitter_ms > 0 ? rng.int(spec.jitter_ms + 1) : 0);
}

/** The fault vocabulary: how each `type` answers. Keyed like `FAULT_SCHEMAS`, checked by the compiler. */
const BUILDERS: { [T in FaultType]: Builder<T> } = {
  async latency(spec, ctx) {
    try {
      await sleep(latencyMs(spec, ctx.rng), ctx.signal);
    } catch {
      // The agent gave up first; nobody reads the answer.
      return dropped('latency');
    }
    return { name: 'latency', passThrough: true, respond: (normal) => normal ?? Response.error() };
  },

  async hang(_spec, ctx) {
    await aborted(ctx.signal);
    return dropped('hang');
  },

  reset: () => dropped('reset'),

  http_error: (spec, ctx) => ({
    name: 'http_error',
    respond: () =>
      errorAnswer(
        ctx,
        spec.status,
        STATUS_CODES[spec.status] ?? 'server_error',
        spec.message ?? `the upstream failed (HTTP ${spec.status})`,
      ),
  }),

  rate_limit: (spec, ctx) => ({
    name: 'rate_limit',
    respond: () =>
      errorAnswer(ctx, 429, 'rate_limit_exceeded', `rate limit reached; retry after ${spec.retry_after_s} s`, {
        'retry-after': String(spec.retry_after_s),
      }),
  }),

  slow_body: (spec, ctx) => ({
    name: 'slow_body',
    passThrough: true,
    async respond(normal) {
      if (!normal) return Response.error();
      const bytes = await bytesOf(normal);
      return withBody(normal, byteStream(bytes, { chunkBytes: spec.chunk_bytes, intervalMs: spec.interval_ms, signal: ctx.signal }));
    },
  }),

  truncated_body: (spec, ctx) => ({
    name: 'truncated_body',
    passThrough: true,
    garbles: true,
    async respond(normal) {
      if (!normal) return Response.error();
      const bytes = await bytesOf(normal);
      // At least one byte short, or it would not be cut at all.
      const keep = Math.max(0, Math.min(spec.keep_bytes ?? Math.floor(bytes.length / 2), bytes.length - 1));
      return withBody(normal, byteStream(bytes.slice(0, keep), { drop: spec.drop, signal: ctx.signal }));
    },
  }),

  wrong_content_type: (spec) => ({
    name: 'wrong_content_type',
    passThrough: true,
    // A lenient reader can still parse the real answer; a replaced body it cannot.
    garbles: spec.body !== undefined,
    respond(normal) {
      if (!normal) return Response.error();
      if (spec.body === undefined) return withBody(normal, normal.body, { 'content-type': spec.content_type });
      void normal.body?.cancel();
      return withBody(normal, spec.body, { 'content-type': spec.content_type });
    },
  }),

  empty_body: (spec) => ({
    name: 'empty_body',
    respond: () => new Response(null, { status: spec.status, headers: { 'content-type': 'application/json' } }),
  }),

  raw: (spec, ctx) => ({
    name: 'raw',
    respond() {
      const bytes =
        spec.body_base64 !== undefined
          ? new Uint8Array(Buffer.from(spec.body_base64, 'base64'))
          : new TextEncoder().encode(spec.body ?? '');
      const streamed = spec.chunk_bytes !== undefined || spec.drop;
      const body =
        bytes.length === 0 && !spec.drop
          ? null
          : streamed
            ? byteStream(bytes, { chunkBytes: spec.chunk_bytes, intervalMs: spec.interval_ms, drop: spec.drop, signal: ctx.signal })
            : bytes;
      return new Response(body, { status: spec.status, headers: spec.headers });
    },
  }),
};

/**
 * The fault a spec describes, for one call. Held faults (latency, hang) resolve only once their
 * time is up or `ctx.signal` aborts.
 */
export async function applyFault(spec: FaultSpec, ctx: FaultContext): Promise<Fault> {
  const build = BUILDERS[spec.type] as Builder<FaultType>;
  return build(spec as never, ctx);
}
