import { z } from 'zod';

/**
 * A tool reference in a script: a literal tool name, or a role the plan resolves against the
 * manifest with the case's seed (`@forbidden`, `@unknown`, ...). Roles keep packs portable
 * across agents whose manifests differ.
 */
export const TOOL_ROLES = [
  'forbidden',
  'unknown',
  'allowed-read',
  'allowed-write',
  'protected',
  'write-not-allowed',
  'not-allowed',
] as const;
export type ToolRole = (typeof TOOL_ROLES)[number];

export const toolRefSchema = z
  .string()
  .min(1)
  .refine((s) => !s.startsWith('@') || (TOOL_ROLES as readonly string[]).includes(s.slice(1)), {
    message: `unknown tool role; roles are ${TOOL_ROLES.map((r) => `@${r}`).join(', ')}`,
  });
