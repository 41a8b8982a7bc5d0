import { z } from 'zod';

/**
 * The fault vocabulary as data: one strict shape per fault `type`. The builders in `faults.ts`
 * are keyed by the same names, so a type is defined in exactly one place of each.
 */
const ms = (max: number) => z.number().int().min(0).max(max);

// Headers the bridge owns: a fault that wants a body cut short says `drop`, not a false length.
const RESERVED_HEADERS = new Set(['content-length', 'transfer-encoding', 'connection']);
// Statuses whose responses cannot carry a body (Fetch refuses to build them with one).
const NULL_BODY_STATUS = new Set([204, 205, 304]);

export const FAULT_SCHEMAS = {
  /** Answer normally, late: `ms`, plus up to `jitter_ms` more drawn from the case seed. */
  latency: z.strictObject({ type: z.literal('latency'), ms: ms(600_000), jitter_ms: ms(600_000).default(0) }),
  /** Never answer; the request is held until the agent hangs up or the world closes. */
  hang: z.strictObject({ type: z.literal('hang') }),
  /** Drop the connection before any answer (TCP reset over the bridge; a network error in-process). */
  reset: z.strictObject({ type: z.literal('reset') }),
  /** A server error with the endpoint's usual error body. */
  http_error: z.strictObject({
    type: z.literal('http_error'),
    status: z.number().int().min(500).max(599).default(503),
    message: z.string().optional(),
  }),
  /** 429 with `Retry-After` (seconds). */
  rate_limit: z.strictObject({ type: z.literal('rate_limit'), retry_after_s: z.number().int().min(0).max(3600).default(1) }),
  /** The real answer, trickled: `chunk_bytes` every `interval_ms`. */
  slow_body: z.strictObject({
    type: z.literal('slow_body'),
    chunk_bytes: z.number().int().min(1).max(1_048_576).default(16),
    interval_ms: ms(60_000).default(100),
  }),
  /** The real answer cut after `keep_bytes` (default half); `drop` then drops the connection instead of ending. */
  truncated_body: z.strictObject({
    type: z.literal('truncated_body'),
    keep_bytes: z.number().int().min(0).optional(),
    drop: z.boolean().default(false),
  }),
  /** The real answer under another content type, or `body` instead of it. */
  wrong_content_type: z.strictObject({
    type: z.literal('wrong_content_type'),
    content_type: z.string().min(1).default('text/html; charset=utf-8'),
    body: z.string().optional(),
  }),
  /** A JSON content type and no body at all. */
  empty_body: z.strictObject({ type: z.literal('empty_body'), status: z.number().int().min(200).max(599).default(200) }),
  /** Any response, byte for byte: for malformed answers of every kind. */
  raw: z
    .strictObject({
      type: z.literal('raw'),
      status: z.number().int().min(200).max(599).default(200),
      headers: z.record(z.string().min(1), z.string()).default({}),
      body: z.string().optional(),
      body_base64: z.base64().optional(),
      /** Trickle the body this many bytes at a time, every `interval_ms`. */
      chunk_bytes: z.number().int().min(1).max(1_048_576).optional(),
      interval_ms: ms(60_000).default(0),
      /** Drop the connection once the body is out, instead of ending the response. */
      drop: z.boolean().default(false),
    })
    .superRefine((f, ctx) => {
      if (f.body !== undefined && f.body_base64 !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['body_base64'], message: 'give "body" or "body_base64", not both' });
      }
      for (const name of Object.keys(f.headers)) {
        if (RESERVED_HEADERS.has(name.toLowerCase())) {
          ctx.addIssue({
            code: 'custom',
            path: ['headers', name],
            message: `"${name}" is set by the bridge; use "drop" to cut a body short`,
          });
        }
      }
      if (NULL_BODY_STATUS.has(f.status) && (f.body || f.body_base64)) {
        ctx.addIssue({ code: 'custom', path: ['status'], message: `a ${f.status} response cannot have a body` });
      }
    }),
} as const;

export type FaultType = keyof typeof FAULT_SCHEMAS;
export const FAULT_TYPES = Object.keys(FAULT_SCHEMAS) as FaultType[];

export const faultSpecSchema = z.discriminatedUnion(
  'type',
  Object.values(FAULT_SCHEMAS) as unknown as [(typeof FAULT_SCHEMAS)[FaultType], ...(typeof FAULT_SCHEMAS)[FaultType][]],
  { error: `unknown fault type; faults are ${FAULT_TYPES.join(', ')}` },
);
export type FaultSpec = z.output<typeof faultSpecSchema>;

/** When a rule fires, counting the calls to its target from 1. Omitted: on every call. */
export const faultWhenSchema = z
  .strictObject({
    /** Only the N-th call. */
    call: z.number().int().min(1).optional(),
    /** Calls `from`..`to` (both included; either may be left open). */
    from: z.number().int().min(1).optional(),
    to: z.number().int().min(1).optional(),
    /** Of the calls in range, each fires with this probability, drawn from the case seed. */
    probability: z.number().gt(0).max(1).optional(),
  })
  .superRefine((w, ctx) => {
    if (w.call !== undefined && (w.from !== undefined || w.to !== undefined)) {
      ctx.addIssue({ code: 'custom', path: ['call'], message: 'give "call" or "from"/"to", not both' });
    }
    if (w.from !== undefined && w.to !== undefined && w.from > w.to) {
      ctx.addIssue({ code: 'custom', path: ['to'], message: `"to" (${w.to}) is before "from" (${w.from})` });
    }
  });
export type FaultWhen = z.output<typeof faultWhenSchema>;

/** The reserved target names; anything else is a tool name or an `@role`. */
export const MODEL_TARGET = 'model';
export const ANY_TOOL_TARGET = '*';

/** One entry of a scenario's `faults:`. */
export const faultRuleSchema = z.strictObject({
  /** A tool name, an `@role`, `"*"` for every tool, or `"model"` for the model endpoint. */
  target: z.string().min(1),
  fault: faultSpecSchema,
  when: faultWhenSchema.default({}),
});
export type FaultRule = z.output<typeof faultRuleSchema>;

/** A rule with its target resolved for one case (roles named, reserved names read). */
export interface ResolvedFaultRule {
  target: { kind: 'model' } | { kind: 'tool'; name: string } | { kind: 'any-tool' };
  fault: FaultSpec;
  when: FaultWhen;
}
