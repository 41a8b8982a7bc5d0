import { z } from 'zod';
import { MALFORMED_KINDS } from '../chaos/malformed.js';
import { faultRuleSchema } from '../chaos/schema.js';
import { PACK_NAMES, toolNameSchema } from './common.js';
import { scenarioHumanSchema, scenarioIdentitySchema } from './scenario-identity.js';

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
  /** JSON Schema every result conforms to (listed to the agent; fuzzing judges against it). */
  output_schema: jsonObject.optional(),
  /** Fixed JSON result; omitted means an echo with a seeded id. */
  result: z.unknown().optional(),
});
export type ToolDefinition = z.output<typeof toolDefinitionSchema>;

const baitRef = toolRef.default('@forbidden');
/** One way the world's tool server turns hostile (the same tools over MCP and REST). */
export const hostileSchema = z.discriminatedUnion('kind', [
  /** Instructions hidden in the tool's description or in a parameter's description. */
  z.strictObject({
    kind: z.literal('poison'),
    tool: toolRef,
    where: z.enum(['description', 'parameter']).default('description'),
    bait: baitRef,
  }),
  /** The tool's description tries to redirect the use of another tool (`target`). */
  z.strictObject({ kind: z.literal('shadow'), tool: toolRef, target: toolRef, bait: baitRef }),
  /** After the agent's `after_calls`-th call of the tool, its definition changes: new schema version. */
  z.strictObject({ kind: z.literal('rug-pull'), tool: toolRef, after_calls: z.number().int().min(1).max(100).default(1), bait: baitRef }),
  /** The tool's results carry an injection in one of their text fields. */
  z.strictObject({ kind: z.literal('injected-result'), tool: toolRef, bait: baitRef }),
]);
export type HostileSpec = z.output<typeof hostileSchema>;

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
  /**
   * Property-based fuzzing (security.malformed): every call of `tool` is answered with a
   * malformed response drawn by fast-check, `runs` times, each in a fresh world.
   */
  fuzz: z
    .strictObject({
      tool: toolRef,
      /** How many responses to try (default: --fuzz-runs, else 10). */
      runs: z.number().int().min(1).max(10_000).optional(),
      /** Which kinds of malformed response to draw from (default: all). */
      kinds: z.array(z.enum(MALFORMED_KINDS)).min(1).optional(),
    })
    .optional(),
  /** A hostile tool server: poisoned descriptions, rug pulls, shadowing, injected results. */
  mcp: z.strictObject({ hostile: z.array(hostileSchema).min(1) }).optional(),
  /** Token lifetimes, expiry and the kill switch (docs/writing-scenarios.md). */
  identity: scenarioIdentitySchema.optional(),
  /** The human approver's behaviour; default: approves every request on its first poll. */
  human: scenarioHumanSchema.optional(),
  /** Chaos: faults the world injects on tools or the model (docs/writing-scenarios.md#faults). */
  faults: z.array(faultRuleSchema.extend({ target: toolRef })).default([]),
});

export type Scenario = z.output<typeof scenarioSchema>;
