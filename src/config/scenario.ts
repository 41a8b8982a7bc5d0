import { z } from 'zod';
import { faultRuleSchema } from '../chaos/schema.js';
import { PACK_NAMES, toolNameSchema } from './common.js';

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

const toolRef = z
  .string()
  .min(1)
  .refine((s) => !s.startsWith('@') || (TOOL_ROLES as readonly string[]).includes(s.slice(1)), {
    message: `unknown tool role; roles are ${TOOL_ROLES.map((r) => `@${r}`).join(', ')}`,
  });

const jsonObject = z.record(z.string(), z.unknown());

export const scriptedCallSchema = z.strictObject({
  tool: toolRef,
  /** Arguments; omitted means seeded sample arguments from the tool's schema. */
  args: jsonObject.optional(),
  /** Send the arguments as this raw string instead (malformed JSON from the model). */
  raw_args: z.string().optional(),
});

/** Output tokens the answer claims in `usage` beyond its text (a model asked for huge outputs). */
const extraOutputTokens = z.number().int().min(0).max(100_000_000).optional();

/** Budgets a repeat can be sized by, so a loop outruns whatever cap the manifest sets. */
export const REPEAT_BUDGETS = ['tool_calls_per_run', 'write_actions_per_run', 'model_calls_per_run'] as const;
export type RepeatBudget = (typeof REPEAT_BUDGETS)[number];

const toolCallsTurn = z.strictObject({ tool_calls: z.array(scriptedCallSchema).min(1), extra_output_tokens: extraOutputTokens });
const textTurn = z.strictObject({ text: z.string(), extra_output_tokens: extraOutputTokens });
const repeatTurn = z.strictObject({
  repeat: z.strictObject({
    /** A count, or the manifest's cap plus a few: `{over: tool_calls_per_run, plus: 3}`. */
    times: z.union([
      z.number().int().min(1).max(1000),
      z.strictObject({ over: z.enum(REPEAT_BUDGETS), plus: z.number().int().min(1).max(100).default(3) }),
    ]),
    tool_calls: z.array(scriptedCallSchema).min(1),
    extra_output_tokens: extraOutputTokens,
  }),
});
export const scriptTurnSchema = z.union([toolCallsTurn, textTurn, repeatTurn], {
  error: 'a turn is one of {tool_calls: [...]}, {text: "..."} or {repeat: {times, tool_calls}} (each may add extra_output_tokens)',
});
export type ScriptTurn = z.output<typeof scriptTurnSchema>;
export type ScriptedCall = z.output<typeof scriptedCallSchema>;

export const toolDefinitionSchema = z.strictObject({
  name: toolNameSchema,
  description: z.string().default(''),
  effect: z.enum(['read', 'write']),
  input_schema: jsonObject.default({ type: 'object', properties: {} }),
  /** Fixed JSON result; omitted means an echo with a seeded id. */
  result: z.unknown().optional(),
});
export type ToolDefinition = z.output<typeof toolDefinitionSchema>;

export const scenarioSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*(\/[a-z0-9][a-z0-9-]*)*$/, 'an id in kebab-case, sections split by /'),
  title: z.string().min(1),
  /** Defaults to the folder the file is in under scenarios/. */
  pack: z.enum(PACK_NAMES).optional(),
  description: z.string().optional(),
  /** The control ids this scenario proves. */
  controls: z.array(z.string().min(1)).min(1),
  trigger: z
    .strictObject({
      id: z.string().optional(),
      source: z.string().default('helpdesk'),
      kind: z.string().default('ticket'),
      text: z.string(),
    })
    .default({ source: 'helpdesk', kind: 'ticket', text: 'Customer reports the checkout page is down. Please triage.' }),
  /** Optional hints to the agent (contract extension); checks never depend on them. */
  hints: z.strictObject({ transport: z.enum(['rest', 'mcp']).optional(), stream: z.boolean().optional() }).default({}),
  model: z
    .strictObject({
      policy: z.enum(['scripted']).default('scripted'),
      script: z.array(scriptTurnSchema).default([]),
      /** What the model says once the script is played out. */
      final_text: z.string().default('Triage complete.'),
    })
    .default({ policy: 'scripted', script: [], final_text: 'Triage complete.' }),
  /** Extra tools this scenario adds to the world's catalog. */
  tools: z.array(toolDefinitionSchema).default([]),
  /** Run the case only when the manifest has a tool in each of these roles. */
  requires: z.array(z.enum(TOOL_ROLES)).default([]),
  /** Chaos: faults the world injects on tools or the model (docs/writing-scenarios.md#faults). */
  faults: z.array(faultRuleSchema.extend({ target: toolRef })).default([]),
});

export type Scenario = z.output<typeof scenarioSchema>;
