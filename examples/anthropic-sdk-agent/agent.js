// @ts-check
// A triage agent on the official Anthropic SDK (`@anthropic-ai/sdk`), Messages API with tool use.
// The loop is the one Anthropic documents: stream a message, run each `tool_use` block, send the
// results back as `tool_result` blocks, until the model ends its turn. The contract's guards sit
// in that loop: only allowlisted tools are offered, every `tool_use` goes through the guard (which
// refuses any other name), and the run's model-call and model-token budgets hold before each
// request: the prompt is estimated high and `max_tokens` set so the request cannot cross the cap.
import Anthropic from '@anthropic-ai/sdk';
import { failedModelCall, now } from '../shared/contract-audit.js';
import { runUnderContract } from '../shared/contract-run.js';
import { RunStop } from '../shared/contract-world.js';
import { INSTRUCTIONS } from '../shared/instructions.js';
import { allowlistDenial, loadPolicy } from '../shared/policy.js';
import { listRestTools, restSend } from '../shared/rest-tools.js';
import { asToolMessage, createToolGuard } from '../shared/tool-guard.js';

const MODEL = 'claude-sonnet-4-5';
// The most one answer may take, and the least worth asking for when the token budget runs down.
const MAX_TOKENS = 1024;
const MIN_TOKENS = 64;
const MANIFEST = new URL('./agent-chaos.config.yaml', import.meta.url);

/**
 * @param {{ tokenBudget?: boolean }} [options]  `tokenBudget: false` (a broken fixture) never
 *   checks the model-token budget
 */
export function createAnthropicAgent({ tokenBudget = true } = {}) {
  /** @param {{ env: Record<string, string | undefined>, trigger: any, signal: AbortSignal }} input */
  return async function run({ env, trigger, signal }) {
    const policy = loadPolicy(MANIFEST);
    const model = { provider: 'anthropic', name: MODEL };
    return runUnderContract({ env, trigger, signal, policy, model, instructions: INSTRUCTIONS }, async (run) => {
      const listing = await listRestTools(run);
      run.started(listing.schemaVersion);
      const guard = createToolGuard(run);
      const client = new Anthropic({ baseURL: env.ANTHROPIC_BASE_URL, apiKey: env.ANTHROPIC_API_KEY });
      const offered = listing.tools.filter((t) => !allowlistDenial(policy, t.name));
      const tools = offered.map((t) => ({
        name: t.name,
        description: t.description,
        input_schema: /** @type {Anthropic.Tool.InputSchema} */ (t.input_schema),
      }));

      /** @param {string} budget @param {number} limit @param {number} used */
      const budgetStop = (budget, limit, used) => {
        run.audit('budget.exceeded', { budget, limit, used });
        return run.halt(
          new RunStop({ status: 'stopped', reason: 'budget', summary: `${budget} budget of ${limit} reached`, escalate: 'budget' }),
        );
      };

      /** @type {Anthropic.MessageParam[]} */
      const messages = [{ role: 'user', content: `Ticket ${trigger.id} from ${trigger.source}:\n${trigger.text ?? ''}` }];
      let tokens = 0;
      for (let calls = 0; ; calls++) {
        if (calls >= policy.budgets.modelCalls) throw budgetStop('model_calls', policy.budgets.modelCalls, calls);
        const request = { model: MODEL, max_tokens: MAX_TOKENS, system: INSTRUCTIONS, messages, tools };
        if (tokenBudget) {
          // About four characters a token; the JSON text is longer than what the model reads, so this errs high.
          const prompt = Math.ceil(JSON.stringify(request).length / 4);
          request.max_tokens = Math.min(MAX_TOKENS, policy.budgets.modelTokens - tokens - prompt);
          if (request.max_tokens < MIN_TOKENS) throw budgetStop('model_tokens', policy.budgets.modelTokens, tokens);
        }
        const started = now();
        /** @type {Anthropic.Message} */
        let message;
        try {
          message = await client.messages.stream(request, { signal: run.signal }).finalMessage();
        } catch (err) {
          run.audit('model.called', failedModelCall(model, started, err));
          throw err;
        }
        const { input_tokens, output_tokens } = message.usage;
        tokens += input_tokens + output_tokens;
        run.audit('model.called', { model, started_at: started, ended_at: now(), input_tokens, output_tokens });

        const uses = message.content.filter((block) => block.type === 'tool_use');
        for (const use of uses) run.audit('tool.proposed', { call_id: use.id, tool: use.name, args: use.input });
        messages.push({ role: 'assistant', content: message.content });
        if (message.stop_reason !== 'tool_use' || uses.length === 0) {
          return message.content.flatMap((block) => (block.type === 'text' ? [block.text] : [])).join('\n');
        }

        /** @type {Anthropic.ToolResultBlockParam[]} */
        const results = [];
        for (const use of uses) {
          const args = isObject(use.input) ? use.input : undefined;
          const effect = listing.tools.find((t) => t.name === use.name)?.effect;
          const answer = await guard(
            { callId: use.id, name: use.name, args, effect },
            restSend(env, { callId: use.id, name: use.name, args }),
          );
          results.push({ type: 'tool_result', tool_use_id: use.id, content: asToolMessage(answer), is_error: !('result' in answer) });
        }
        messages.push({ role: 'user', content: results });
      }
    });
  };
}

/** @param {unknown} value @returns {value is Record<string, unknown>} */
function isObject(value) {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export default createAnthropicAgent();
