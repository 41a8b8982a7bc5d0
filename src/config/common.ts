import { z } from 'zod';

/** The built-in packs, one per section of the controls checklist, in report order. */
export const PACK_NAMES = ['identity', 'authorization', 'budgets', 'approvals', 'audit', 'security'] as const;
export type PackName = (typeof PACK_NAMES)[number];

export const toolNameSchema = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'a tool name: letters, digits, _ . - (at most 64)');
