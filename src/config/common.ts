import { z } from 'zod';

/** The built-in packs, one per section of the controls checklist, in report order. */
export const PACK_NAMES = ['identity', 'authorization', 'budgets', 'approvals', 'audit', 'security'] as const;
export type PackName = (typeof PACK_NAMES)[number];

export const toolNameSchema = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'a tool name: letters, digits, _ . - (at most 64)');

/** Node's timers hold at most 2^31-1 ms (about 24.8 days); a longer delay silently becomes 1 ms. */
export const MAX_TIMER_MS = 2_147_483_647;

/** A duration in milliseconds a timer can hold. */
export const msSchema = z
  .number()
  .int()
  .positive()
  .max(MAX_TIMER_MS, `at most ${MAX_TIMER_MS} ms (about 24.8 days): Node's timers cannot wait longer`);

// Control characters (NUL, escapes, line breaks) in a name end up in headers, file names, JUnit
// and terminal output, where they cut or forge text.
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** A name or id written by a person: no control characters, not blank. */
export const nameSchema = z
  .string()
  .min(1)
  .refine((s) => !CONTROL_CHARS.test(s), 'no control characters (NUL, tab, line breaks, escapes) in a name')
  .refine((s) => s.trim() !== '', 'must not be blank');

/** Text passed to the system (a command, a path, an environment value): no NUL, which the OS cannot carry. */
export const systemTextSchema = z.string().refine((s) => !s.includes('\u0000'), 'no NUL character: the system cannot carry one');

/** Cases at once: each is a world server and an agent; past this a machine thrashes rather than speeds up. */
export const MAX_CONCURRENCY = 256;
