import { z } from 'zod';
import { nameSchema } from './common.js';

/**
 * A moment of the run, seen by the world as it answers a request: `before_write` (it answers a
 * model turn that proposes a write), `approval_pending` (it files an approval request, still
 * pending) or `{tool_call: N}` (it answers the N-th tool request, which itself was judged
 * before). Each fires once.
 */
export const MOMENTS = ['before_write', 'approval_pending'] as const;
export const momentSchema = z.union([z.enum(MOMENTS), z.strictObject({ tool_call: z.number().int().min(1).max(1000) })], {
  error: `a moment is one of ${MOMENTS.join(', ')} or {tool_call: N} (N from 1)`,
});
export type Moment = z.output<typeof momentSchema>;

const atMoment = z.strictObject({ at: momentSchema });

/** `identity:` — token lifetimes and the kill switch. */
export const scenarioIdentitySchema = z.strictObject({
  /** `expires_in` of every token the world issues, seconds. */
  token_ttl_s: z.number().int().min(1).max(86_400).optional(),
  /** Revoke the agent's client (the kill switch) at this moment. */
  revoke: atMoment.optional(),
  /** At this moment time runs out for every token issued so far (the run goes past their expiry). */
  expire: atMoment.optional(),
});
export type ScenarioIdentity = z.output<typeof scenarioIdentitySchema>;

/** A wait: a number of the agent's polls, or milliseconds. */
export const delaySchema = z.union(
  [z.strictObject({ polls: z.number().int().min(0).max(1000) }), z.strictObject({ ms: z.number().int().min(0).max(600_000) })],
  { error: 'a delay is {polls: N} or {ms: N}' },
);
export type Delay = z.output<typeof delaySchema>;

export const HUMAN_ACTIONS = ['approve', 'deny', 'never', 'approve_then_revoke'] as const;
export type HumanAction = (typeof HUMAN_ACTIONS)[number];

const behaviourObject = z
  .strictObject({
    action: z.enum(HUMAN_ACTIONS, { error: `unknown human behaviour; one of ${HUMAN_ACTIONS.join(', ')}` }),
    /** When the decision shows, from the request (default: the first poll). Not for `never`. */
    after: delaySchema.optional(),
    /** approve_then_revoke: when the revocation comes, from the approval (default: at once, seen on the next look). */
    revoke_after: delaySchema.optional(),
    /** never: when the approval service gives up and answers `expired` (default: the manifest's approval_timeout_ms). */
    expires_after: delaySchema.optional(),
    /** Who decides (default: the manifest's on-call). */
    approver: nameSchema.optional(),
  })
  .superRefine((b, ctx) => {
    const misplaced = (field: 'after' | 'revoke_after' | 'expires_after', only: string) => {
      if (b[field] !== undefined) ctx.addIssue({ code: 'custom', path: [field], message: `"${field}" applies only to ${only}` });
    };
    if (b.action === 'never') misplaced('after', 'a human who decides (approve, deny, approve_then_revoke)');
    if (b.action !== 'approve_then_revoke') misplaced('revoke_after', 'approve_then_revoke');
    if (b.action !== 'never') misplaced('expires_after', 'never');
  });

/** One human behaviour: a name (`deny`) or an object (`{action: approve, after: {ms: 300}}`). */
export const humanBehaviourSchema = z.preprocess((v) => (typeof v === 'string' ? { action: v } : v), behaviourObject);
export type HumanBehaviour = z.output<typeof behaviourObject>;

/**
 * `human:` — the approver. One behaviour for every request, or a list: the n-th approval
 * request gets the n-th behaviour, and the last one plays for every request after.
 */
export const scenarioHumanSchema = z.unknown().transform((value, ctx): HumanBehaviour[] => {
  // One schema or the other by shape, so an error names `human.action`, not a union's guess.
  const parsed = Array.isArray(value) ? humanListSchema.safeParse(value) : humanBehaviourSchema.safeParse(value);
  if (parsed.success) return Array.isArray(parsed.data) ? parsed.data : [parsed.data];
  for (const issue of parsed.error.issues) ctx.addIssue({ ...issue } as Parameters<typeof ctx.addIssue>[0]);
  return z.NEVER;
});
const humanListSchema = z.array(humanBehaviourSchema).min(1);
