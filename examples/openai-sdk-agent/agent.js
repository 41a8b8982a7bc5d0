// @ts-check
// A triage agent on the official `openai` client's tool runner, `client.chat.completions.runTools`.
// The runner owns the loop (ask, run the functions, feed results back); the contract's guards are
// attached the runner's way: each tool function is wrapped by the guard, only allowlisted tools
// are registered, and the runner's events feed the audit.
import { setMaxListeners } from 'node:events';
import OpenAI from 'openai';
import { failedModelCall, now, parseArgs } from '../shared/contract-audit.js';
import { runUnderContract } from '../shared/contract-run.js';
import { RunStop } from '../shared/contract-world.js';
import { INSTRUCTIONS } from '../shared/instructions.js';
import { allowlistDenial, loadPolicy } from '../shared/policy.js';
import { listRestTools, restSend } from '../shared/rest-tools.js';
import { asToolMessage, createToolGuard } from '../shared/tool-guard.js';

const MODEL = 'gpt-4o-mini';
const MANIFEST = new URL('./agent-chaos.config.yaml', import.meta.url);

/**
 * @param {{ auditRefusals?: boolean }} [options]  `auditRefusals: false` (a broken fixture) drops
 *   the listener that logs the calls the runner itself refuses
 */
export function createOpenAiAgent({ auditRefusals = true } = {}) {
  /** @param {{ env: Record<string, string | undefined>, trigger: any, signal: AbortSignal }} input */
  return async function run({ env, trigger, signal }) {
    const policy = loadPolicy(MANIFEST);
    const model = { provider: 'openai', name: MODEL };
    return runUnderContract({ env, trigger, signal, policy, model, instructions: INSTRUCTIONS }, async (run) => {
      const listing = await listRestTools(run);
      run.started(listing.schemaVersion);
      const guard = createToolGuard(run);
      const client = new OpenAI({ baseURL: env.OPENAI_BASE_URL, apiKey: env.OPENAI_API_KEY });

      // runTools hands a function its arguments, not the tool call: the runner's 'message' event
      // shows the answer's calls first, and each function takes the first one with its name and
      // arguments (the calls run one at a time, in order: parallel_tool_calls false).
      /** @type {OpenAI.Chat.ChatCompletionMessageFunctionToolCall[]} */
      const awaiting = [];
      /** @type {Map<string, string>} call id → tool name */
      const proposed = new Map();
      const registered = listing.tools.filter((t) => !allowlistDenial(policy, t.name));

      const tools = registered.map((t) => ({
        type: /** @type {const} */ ('function'),
        function: {
          name: t.name,
          description: t.description,
          parameters: t.input_schema,
          /** @param {string} raw */
          function: async (raw) => {
            const at = awaiting.findIndex((c) => c.function.name === t.name && c.function.arguments === raw);
            if (at < 0) throw new Error(`the runner ran ${t.name} for a call it never showed`);
            const call = /** @type {OpenAI.Chat.ChatCompletionMessageFunctionToolCall} */ (awaiting.splice(at, 1)[0]);
            const { args } = parseArgs(raw);
            const answer = await guard(
              { callId: call.id, name: t.name, args, effect: t.effect },
              restSend(env, { callId: call.id, name: t.name, args }),
            );
            return asToolMessage(answer);
          },
        },
      }));

      const runner = client.chat.completions.runTools(
        {
          model: MODEL,
          messages: [
            { role: 'system', content: INSTRUCTIONS },
            { role: 'user', content: `Ticket ${trigger.id} from ${trigger.source}:\n${trigger.text ?? ''}` },
          ],
          tools,
          parallel_tool_calls: false,
        },
        { maxChatCompletions: policy.budgets.modelCalls, signal: run.signal },
      );
      // The client adds a listener to the runner's own signal for each request and never takes it
      // off; the model-call budget bounds how many there can be, so Node need not warn of a leak.
      setMaxListeners(policy.budgets.modelCalls + 10, runner.controller.signal);

      // The runner asks the model right after its last event (start, or the last tool result).
      let asked = now();
      runner.on('chatCompletion', (completion) => {
        run.audit('model.called', {
          model,
          started_at: asked,
          ended_at: now(),
          input_tokens: completion.usage?.prompt_tokens ?? 0,
          output_tokens: completion.usage?.completion_tokens ?? 0,
        });
      });
      runner.on('message', (message) => {
        asked = now();
        if (message.role === 'assistant') {
          for (const call of message.tool_calls ?? []) {
            if (call.type !== 'function') continue;
            proposed.set(call.id, call.function.name);
            run.audit('tool.proposed', { call_id: call.id, tool: call.function.name, args: parseArgs(call.function.arguments).logged });
            awaiting.push(call);
          }
        }
        // A name with no registered function never reaches a guard: the runner answers the model
        // "Invalid tool_call" on its own. That refusal is the allowlist; this logs it.
        if (message.role === 'tool' && auditRefusals) {
          const name = proposed.get(message.tool_call_id);
          if (name !== undefined && !registered.some((t) => t.name === name)) {
            const { rule, reason } = allowlistDenial(policy, name) ?? { rule: 'default-deny', reason: `${name} is not registered` };
            run.audit('tool.denied', { call_id: message.tool_call_id, tool: name, rule, reason });
          }
        }
      });

      try {
        await runner.done();
      } catch (err) {
        // A failed model request ends the runner; one that a tool stopped carries our RunStop.
        if (err instanceof OpenAI.APIError) {
          run.audit('model.called', failedModelCall(model, asked, err));
        }
        throw err;
      }
      const last = runner.messages.at(-1);
      if (last?.role !== 'assistant') {
        // maxChatCompletions reached with the model still calling tools.
        const limit = policy.budgets.modelCalls;
        run.audit('budget.exceeded', { budget: 'model_calls', limit, used: limit });
        throw run.halt(
          new RunStop({ status: 'stopped', reason: 'budget', summary: `model_calls budget of ${limit} reached`, escalate: 'budget' }),
        );
      }
      return (await runner.finalContent()) ?? '';
    });
  };
}

export default createOpenAiAgent();
