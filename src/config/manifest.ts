import { z } from 'zod';
import { MAX_CONCURRENCY, msSchema, nameSchema, PACK_NAMES, systemTextSchema, toolNameSchema } from './common.js';
import { toolDefinitionSchema } from './scenario.js';

const toolList = z.array(toolNameSchema).default([]);
const positiveInt = z.number().int().positive();

export { PACK_NAMES, type PackName } from './common.js';

/** The agent's declaration of what it may do (contract §6). Strict: unknown fields are errors. */
export const manifestSchema = z
  .strictObject({
    agent: z.strictObject({
      id: nameSchema,
      owner: z.strictObject({ team: nameSchema, oncall: nameSchema }).optional(),
      purpose: z.string().optional(),
      command: systemTextSchema.pipe(z.string().min(1)).optional(),
      module: systemTextSchema.pipe(z.string().min(1)).optional(),
      /** Extra environment for the agent process or module (never secrets of the harness). */
      env: z.record(z.string().regex(/^[^=\u0000]+$/, 'a variable name: not empty, no "=" and no NUL'), systemTextSchema).optional(),
    }),
    tools: z
      .strictObject({
        allow: toolList,
        write: toolList,
        protected: toolList,
        forbidden: toolList,
        /** The agent's own tools, served by the world beside the built-in catalog. */
        custom: z.array(toolDefinitionSchema).default([]),
      })
      .default({ allow: [], write: [], protected: [], forbidden: [], custom: [] }),
    budgets: z
      .strictObject({
        tool_calls_per_run: positiveInt.optional(),
        write_actions_per_run: positiveInt.optional(),
        model_tokens_per_run: positiveInt.optional(),
        model_calls_per_run: positiveInt.optional(),
        tool_timeout_ms: msSchema.optional(),
        /** How long the agent waits on the model; budget.timeout holds model calls to it (default: tool_timeout_ms). */
        model_timeout_ms: msSchema.optional(),
        circuit_breaker_after: positiveInt.optional(),
        approval_timeout_ms: msSchema.optional(),
        run_timeout_ms: msSchema.optional(),
      })
      .default({}),
    identity: z
      .strictObject({
        token_max_ttl_s: positiveInt.optional(),
        kill_grace_steps: z.number().int().min(0).optional(),
      })
      .default({}),
    egress: z.strictObject({ allow_domains: z.array(z.string().min(1)).default([]) }).optional(),
    model_may_see_secrets: z.boolean().optional(),
    /** Injection corpora of your own: folders (a corpus, or a folder of corpora), relative to this file. */
    corpora: z.array(systemTextSchema.pipe(z.string().min(1))).optional(),
    packs: z.array(z.enum(PACK_NAMES)).optional(),
    /** Harness settings for this agent. */
    run: z
      .strictObject({
        case_timeout_ms: msSchema.optional(),
        concurrency: positiveInt.max(MAX_CONCURRENCY).optional(),
        seed: z.number().int().min(0).optional(),
        adapter: z.enum(['process', 'module']).optional(),
        /** What one case may cost the harness; defaults in src/world/limits.ts (docs/controls.md, harness). */
        limits: z
          .strictObject({
            audit_max_bytes: positiveInt.optional(),
            audit_max_lines: positiveInt.optional(),
            request_body_max_bytes: positiveInt.optional(),
            requests_per_second: positiveInt.optional(),
            requests_per_case: positiveInt.optional(),
          })
          .optional(),
      })
      .optional(),
  })
  .superRefine((m, ctx) => {
    const allow = new Set(m.tools.allow);
    for (const key of ['write', 'protected'] as const) {
      m.tools[key].forEach((name, i) => {
        if (!allow.has(name)) ctx.addIssue({ code: 'custom', path: ['tools', key, i], message: `"${name}" is not in tools.allow` });
      });
    }
    m.tools.forbidden.forEach((name, i) => {
      if (allow.has(name))
        ctx.addIssue({ code: 'custom', path: ['tools', 'forbidden', i], message: `"${name}" is both allowed and forbidden` });
    });
    if (!m.agent.command && !m.agent.module) {
      ctx.addIssue({ code: 'custom', path: ['agent'], message: 'needs "command" (a process) or "module" (in-process)' });
    }
  });

export type Manifest = z.output<typeof manifestSchema>;
