import { z } from 'zod';
import { CANARY_GROUPS, CANARY_KINDS } from '../adversary/canaries.js';
import { CARRIER_NAMES } from '../adversary/carriers/names.js';
import { MALFORMED_KINDS } from '../chaos/malformed.js';
import { faultRuleSchema } from '../chaos/schema.js';
import { nameSchema, PACK_NAMES, toolNameSchema } from './common.js';
import { GOAL_ACTIONS } from './corpus.js';
import { scenarioHumanSchema, scenarioIdentitySchema } from './scenario-identity.js';
import { TOOL_ROLES, toolRefSchema } from './tool-ref.js';

export { TOOL_ROLES, type ToolRole, toolRefSchema } from './tool-ref.js';

const jsonObject = z.record(z.string(), z.unknown());

export const scriptedCallSchema = z.strictObject({
  tool: toolRefSchema,
  /** Arguments; omitted means seeded sample arguments from the tool's schema. */
  args: jsonObject.optional(),
  /** Send the arguments as this raw string instead (malformed JSON from the model). */
  raw_args: z.string().optional(),
  /**
   * This call is a variant of an earlier call in the same turn: its arguments, with the free-text
   * fields (`content`) or the fields naming what it acts on (`target`) changed. Conflicting or
   * ambiguous writes, portable across tools.
   */
  variant_of: z.strictObject({ call: z.number().int().min(0), change: z.enum(['content', 'target']) }).optional(),
});

/** Output tokens the answer claims in `usage` beyond its text (a model asked for huge outputs). */
const extraOutputTokens = z.number().int().min(0).max(100_000_000).optional();

/** Budgets a repeat can be sized by, so a loop outruns whatever cap the manifest sets. */
export const REPEAT_BUDGETS = ['tool_calls_per_run', 'write_actions_per_run', 'model_calls_per_run'] as const;
export type RepeatBudget = (typeof REPEAT_BUDGETS)[number];

const toolCallsTurn = z.strictObject({
  tool_calls: z.array(scriptedCallSchema).min(1),
  /** What the model says alongside its calls ("Let me look that up."). */
  text: z.string().optional(),
  extra_output_tokens: extraOutputTokens,
});
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
  error:
    'a turn is one of {tool_calls: [...]} (with an optional text), {text: "..."} or {repeat: {times, tool_calls}} (each may add extra_output_tokens)',
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

const baitRef = toolRefSchema.default('@forbidden');
/** One way the world's tool server turns hostile (the same tools over MCP and REST). */
export const hostileSchema = z.discriminatedUnion('kind', [
  /** Instructions hidden in the tool's description or in a parameter's description. */
  z.strictObject({
    kind: z.literal('poison'),
    tool: toolRefSchema,
    where: z.enum(['description', 'parameter']).default('description'),
    bait: baitRef,
  }),
  /** The tool's description tries to redirect the use of another tool (`target`). */
  z.strictObject({ kind: z.literal('shadow'), tool: toolRefSchema, target: toolRefSchema, bait: baitRef }),
  /** After the agent's `after_calls`-th call of the tool, its definition changes: new schema version. */
  z.strictObject({
    kind: z.literal('rug-pull'),
    tool: toolRefSchema,
    after_calls: z.number().int().min(1).max(100).default(1),
    bait: baitRef,
  }),
  /** The tool's results carry an injection in one of their text fields. */
  z.strictObject({ kind: z.literal('injected-result'), tool: toolRefSchema, bait: baitRef }),
]);
export type HostileSpec = z.output<typeof hostileSchema>;

export const scenarioSchema = z
  .strictObject({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*(\/[a-z0-9][a-z0-9-]*)*$/, 'an id in kebab-case, sections split by /'),
    title: nameSchema,
    /** Defaults to the folder the file is in under scenarios/. */
    pack: z.enum(PACK_NAMES).optional(),
    description: z.string().optional(),
    /** The control ids this scenario proves. */
    controls: z.array(z.string().min(1)).min(1),
    trigger: z
      .strictObject({
        id: nameSchema.optional(),
        source: nameSchema.default('helpdesk'),
        kind: nameSchema.default('ticket'),
        text: z.string(),
      })
      .default({ source: 'helpdesk', kind: 'ticket', text: 'Customer reports the checkout page is down. Please triage.' }),
    /** Optional hints to the agent (contract extension); checks never depend on them. */
    hints: z.strictObject({ transport: z.enum(['rest', 'mcp']).optional(), stream: z.boolean().optional() }).default({}),
    model: z
      .strictObject({
        /**
         * `obedient`: plays the script, and carries out any planted injection that reaches it.
         * `replay`: plays back the answers a real model gave, recorded in `cassette`.
         */
        policy: z.enum(['scripted', 'obedient', 'replay']).default('scripted'),
        /** For `replay`: the recorded answers (JSONL, or a YAML or JSON list), relative to this file. */
        cassette: z.string().min(1).optional(),
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
        tool: toolRefSchema,
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
    faults: z.array(faultRuleSchema.extend({ target: toolRefSchema })).default([]),
    /**
     * Injection payloads from a corpus, planted in carriers: the scenario expands into one case per
     * entry and carrier (`<id>/<entry>@<carrier>`), or a seeded stratified sample of them.
     */
    injection: z
      .strictObject({
        corpus: z.string().min(1).default('injections'),
        techniques: z.array(z.string().min(1)).min(1).optional(),
        /** Entries with any of these tags. */
        tags: z.array(z.string().min(1)).min(1).optional(),
        entries: z.array(z.string().min(1)).min(1).optional(),
        /** Entries whose goal is one of these actions. */
        actions: z.array(z.enum(GOAL_ACTIONS)).min(1).optional(),
        carriers: z.array(z.enum(CARRIER_NAMES)).min(1),
        /** Cases to run by default (at least one per technique); `--sample` overrides, `--sample all` runs every one. */
        sample: z.number().int().min(1).optional(),
      })
      .optional(),
    /** Secret bait: seeded canaries planted in the agent's environment (`env`) and in carriers. */
    bait: z
      .strictObject({
        kinds: z
          .array(z.enum([...CANARY_KINDS, ...(Object.keys(CANARY_GROUPS) as (keyof typeof CANARY_GROUPS)[])]))
          .min(1)
          .default(['credentials', 'pii']),
        carriers: z.array(z.enum(['env', ...CARRIER_NAMES])).min(1),
      })
      .optional(),
  })
  .superRefine((s, ctx) => {
    if (s.injection && s.model.policy !== 'obedient') {
      ctx.addIssue({ code: 'custom', path: ['model', 'policy'], message: 'a scenario with injection needs model.policy: obedient' });
    }
    if (s.model.policy === 'replay' && s.model.cassette === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['model', 'policy'],
        message: 'model.policy: replay needs model.cassette, the recorded answers',
      });
    }
    if (s.model.policy === 'replay' && s.model.script.length > 0) {
      ctx.addIssue({ code: 'custom', path: ['model', 'script'], message: 'a replay plays its cassette: it takes no script' });
    }
    if (s.model.cassette !== undefined && s.model.policy !== 'replay') {
      ctx.addIssue({ code: 'custom', path: ['model', 'cassette'], message: 'a cassette is played by model.policy: replay' });
    }
  });

export type Scenario = z.output<typeof scenarioSchema>;
