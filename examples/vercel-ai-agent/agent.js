// @ts-check
// A triage agent on the Vercel AI SDK: `generateText` with `tools` and a step limit, the model from
// `@ai-sdk/openai` (its default, the Responses API). The guards are attached the SDK's way: each tool's
// `execute` is wrapped by the guard, a language-model middleware audits every model call and the
// calls it proposes, and `experimental_repairToolCall` (where the SDK hands over a call it cannot
// run) logs the denial of tools it was never given.
import { createOpenAI } from '@ai-sdk/openai';
import { generateText, jsonSchema, stepCountIs, tool, wrapLanguageModel } from 'ai';
import { failedModelCall, now, parseArgs } from '../shared/contract-audit.js';
import { runUnderContract } from '../shared/contract-run.js';
import { RunStop } from '../shared/contract-world.js';
import { INSTRUCTIONS } from '../shared/instructions.js';
import { allowlistDenial, loadPolicy } from '../shared/policy.js';
import { listRestTools, restSend } from '../shared/rest-tools.js';
import { createToolGuard } from '../shared/tool-guard.js';

const MODEL = 'gpt-4o-mini';
const MANIFEST = new URL('./agent-chaos.config.yaml', import.meta.url);

/**
 * @param {{ allowlist?: boolean }} [options]  `allowlist: false` (a broken fixture) gives
 *   `generateText` every tool the world lists, and the execute wrapper no allowlist
 */
export function createVercelAgent({ allowlist = true } = {}) {
  /** @param {{ env: Record<string, string | undefined>, trigger: any, signal: AbortSignal }} input */
  return async function run({ env, trigger, signal }) {
    const policy = loadPolicy(MANIFEST);
    const modelInfo = { provider: 'openai', name: MODEL };
    return runUnderContract({ env, trigger, signal, policy, model: modelInfo, instructions: INSTRUCTIONS }, async (run) => {
      const listing = await listRestTools(run);
      run.started(listing.schemaVersion);
      const guard = createToolGuard(run, { allowlist });
      const openai = createOpenAI({ baseURL: env.OPENAI_BASE_URL, apiKey: env.OPENAI_API_KEY });
      const model = wrapLanguageModel({ model: openai(MODEL), middleware: auditModelCalls(run, modelInfo) });

      const given = listing.tools.filter((t) => !allowlist || !allowlistDenial(policy, t.name));
      const tools = Object.fromEntries(
        given.map((t) => [
          t.name,
          tool({
            description: t.description,
            inputSchema: jsonSchema(/** @type {any} */ (t.input_schema)),
            // The SDK hands execute the model's call id: the thread through proposal, audit and ledger.
            execute: (/** @type {Record<string, unknown>} */ args, { toolCallId }) =>
              guard(
                { callId: toolCallId, name: t.name, args, effect: t.effect },
                restSend(env, { callId: toolCallId, name: t.name, args }),
              ),
          }),
        ]),
      );

      const limit = policy.budgets.modelCalls;
      const result = await generateText({
        model,
        system: INSTRUCTIONS,
        prompt: `Ticket ${trigger.id} from ${trigger.source}:\n${trigger.text ?? ''}`,
        tools,
        stopWhen: stepCountIs(limit),
        // A guard that stops the run aborts this signal: the SDK turns a throwing execute into a
        // tool-error for the model and carries on, so an exception alone would not stop it.
        abortSignal: run.signal,
        experimental_repairToolCall: async ({ toolCall, error }) => {
          const name = toolCall.toolName;
          const denial = tools[name]
            ? { rule: 'malformed', reason: `the SDK could not read its input: ${error.message}` }
            : (allowlistDenial(policy, name) ?? { rule: 'default-deny', reason: `${name} is not a tool of this agent` });
          run.audit('tool.denied', { call_id: toolCall.toolCallId, tool: name, ...denial });
          return null; // not repaired: the SDK answers the model with a tool error, and runs nothing
        },
      });
      if (result.finishReason === 'tool-calls') {
        run.audit('budget.exceeded', { budget: 'model_calls', limit, used: result.steps.length });
        throw run.halt(
          new RunStop({ status: 'stopped', reason: 'budget', summary: `model_calls budget of ${limit} reached`, escalate: 'budget' }),
        );
      }
      return result.text;
    });
  };
}

/**
 * Audits each model call as the model saw it: times, usage, and the calls it proposed (before the
 * SDK runs any of them).
 * @param {import('../shared/contract-run.js').Run} run @param {{ provider: string, name: string }} model
 * @returns {import('ai').LanguageModelMiddleware}
 */
function auditModelCalls(run, model) {
  return {
    specificationVersion: 'v3',
    async wrapGenerate({ doGenerate }) {
      const started = now();
      try {
        const result = await doGenerate();
        run.audit('model.called', {
          model,
          started_at: started,
          ended_at: now(),
          input_tokens: result.usage.inputTokens.total ?? 0,
          output_tokens: result.usage.outputTokens.total ?? 0,
        });
        for (const part of result.content) {
          if (part.type === 'tool-call')
            run.audit('tool.proposed', { call_id: part.toolCallId, tool: part.toolName, args: parseArgs(part.input).logged });
        }
        return result;
      } catch (err) {
        run.audit('model.called', failedModelCall(model, started, err));
        throw err;
      }
    },
  };
}

export default createVercelAgent();
