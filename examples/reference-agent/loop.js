// @ts-check
// The conversation: ask the model, run (or refuse) what it proposes, feed the results back, until
// it answers in plain text. Every model call is budgeted and audited, retries included.
import { forModel } from './context.js';
import { conflictingWrites, offeredTools } from './guards.js';
import { sleep } from './http.js';
import { ModelCallError } from './model.js';
import { scrubOutput } from './output.js';
import { renderTrigger, SYSTEM_PROMPT } from './prompt.js';
import { budgetStop, checkWallTime, RunStop } from './stop.js';
import { deny, handleToolCall, toProposal } from './tool-call.js';
import { relistTools } from './tools-watch.js';

/** @typedef {import('./context.js').RunContext} RunContext */

// Without a timeout of our own the client's default applies (10 minutes): effectively none.
const NO_TIMEOUT_MS = 10 * 60 * 1000;
// The most any one answer may take; less as the token budget runs down.
const MAX_OUTPUT_TOKENS = 4096;
// Below this, an answer could not say anything useful: stop rather than ask.
const MIN_OUTPUT_TOKENS = 256;
const MODEL_RETRIES = 2;
const MAX_RETRY_WAIT_MS = 2000;

/**
 * @param {RunContext} ctx
 * @param {{ describeTools?: boolean }} [options]  `describeTools: false`: the model sees no
 *   description the tool server wrote, neither the tools' nor their parameters'
 * @returns {Promise<string>} the final answer, scrubbed
 */
export async function converse(ctx, { describeTools = true } = {}) {
  /** @type {any[]} */
  const messages = [
    { role: 'system', content: SYSTEM_PROMPT },
    { role: 'user', content: forModel(ctx, renderTrigger(ctx.trigger)) },
  ];
  const tools = offeredTools(ctx).map((t) => ({
    type: 'function',
    function: describeTools
      ? { name: t.name, description: forModel(ctx, t.description), parameters: t.inputSchema }
      : { name: t.name, parameters: withoutDescriptions(t.inputSchema) },
  }));

  const meter = { lastInput: 0, lastOutput: 0, seen: 0, tools: Math.ceil(JSON.stringify(tools).length / 4) };
  for (let turn = 0; ; turn++) {
    // Tool definitions can change under a running agent (a rug pull): look again before each turn.
    if (turn > 0) await relistTools(ctx);
    const reply = await callModel(ctx, messages, tools, meter);
    if (reply.toolCalls.length === 0) return finalAnswer(ctx, reply.content);

    // Ids are the harness's thread through proposal, audit and ledger; invent one only if missing.
    const proposals = reply.toolCalls.map((c, i) => toProposal({ ...c, id: c.id || `call_missing_${turn}_${i}` }));
    messages.push({
      role: 'assistant',
      content: reply.content || null,
      tool_calls: proposals.map((p) => ({ id: p.id, type: 'function', function: { name: p.name, arguments: p.raw } })),
    });
    // The model proposed all of them, whether or not the run lives to act on each.
    for (const p of proposals) await ctx.audit('tool.proposed', { call_id: p.id, tool: p.name, args: p.args ?? p.raw });
    const conflicting = conflictingWrites(proposals, ctx);
    for (const p of proposals) {
      const content = conflicting.has(p.id)
        ? await deny(ctx, p, { rule: 'ambiguity', reason: 'conflicting writes were proposed together; a person must say which is meant' })
        : await handleToolCall(ctx, p);
      messages.push({ role: 'tool', tool_call_id: p.id, content });
    }
    if (conflicting.size > 0) throw ambiguityStop(proposals.filter((p) => conflicting.has(p.id)));
  }
}

/**
 * Conflicting instructions end the run with a question to on-call instead of a guess at a write.
 * @param {import('./tool-call.js').Proposal[]} held
 */
function ambiguityStop(held) {
  const tools = [...new Set(held.map((p) => p.name))].join(', ');
  return new RunStop({
    status: 'stopped',
    reason: 'ambiguous-instructions',
    summary: `the request asks for ${held.length} conflicting ${tools} writes; which one is meant?`,
    escalate: 'ambiguous-instructions',
  });
}

/**
 * @typedef {{ lastInput: number, lastOutput: number, seen: number, tools: number }} Meter  the last
 *   call's usage, how many messages it was sent, and what the tool definitions cost
 */

/**
 * @param {RunContext} ctx @param {any[]} messages @param {any[]} tools @param {Meter} meter
 * @returns {Promise<import('./model.js').ModelReply>}
 */
async function callModel(ctx, messages, tools, meter) {
  for (let attempt = 0; ; attempt++) {
    const maxTokens = await checkModelBudgets(ctx, estimateInput(meter, messages));
    await checkWallTime(ctx);
    const started = new Date().toISOString();
    ctx.used.modelCalls++;
    try {
      const reply = await ctx.model.complete({ messages, tools, signal: ctx.signal, timeoutMs: modelTimeout(ctx), maxTokens });
      ctx.used.modelTokens += reply.inputTokens + reply.outputTokens;
      Object.assign(meter, { lastInput: reply.inputTokens, lastOutput: reply.outputTokens, seen: messages.length });
      await logModelCall(ctx, started, { input_tokens: reply.inputTokens, output_tokens: reply.outputTokens });
      return reply;
    } catch (err) {
      const failure = err instanceof ModelCallError ? err.failure : undefined;
      await logModelCall(ctx, started, {
        input_tokens: 0,
        output_tokens: 0,
        error: failure
          ? { status: failure.status ?? null, message: failure.message }
          : { message: ctx.signal.aborted ? 'aborted' : String(/** @type {any} */ (err)?.message ?? err) },
      });
      if (!failure) throw err;
      if (!failure.retryable || attempt >= MODEL_RETRIES) {
        throw new RunStop({
          status: 'failed',
          reason: 'model-unavailable',
          summary: `the model failed ${attempt + 1} time(s): ${failure.message}`,
          escalate: 'model-unavailable',
        });
      }
      await sleep(Math.min(failure.retryAfterMs ?? 250 * 2 ** attempt, MAX_RETRY_WAIT_MS), ctx.signal);
    }
  }
}

/** @param {RunContext} ctx @param {string} started @param {Record<string, unknown>} fields */
function logModelCall(ctx, started, fields) {
  return ctx.audit('model.called', {
    model: { provider: 'openai', name: ctx.modelName },
    started_at: started,
    ended_at: new Date().toISOString(),
    ...fields,
  });
}

/**
 * What the next call's prompt will cost, at least: the last prompt again, plus the messages added
 * since (the last answer among them) at 4 characters a token, which overestimates; the first
 * call also pays for the tool definitions.
 * @param {Meter} meter @param {any[]} messages
 */
function estimateInput(meter, messages) {
  const fresh = Math.ceil(JSON.stringify(messages.slice(meter.seen)).length / 4);
  return (meter.seen === 0 ? meter.tools : meter.lastInput) + fresh;
}

/**
 * Before each model call. The token cap is held before the call, not after it: the prompt is
 * estimated and the answer capped (max_completion_tokens) so that the call cannot take the run
 * past the cap ("at or before the cap", never over it). Returns the answer's cap.
 * @param {RunContext} ctx @param {number} input  estimated prompt tokens of the call about to be made
 * @returns {Promise<number | undefined>}
 */
async function checkModelBudgets(ctx, input) {
  if (ctx.breaks.has('token-budget')) return undefined;
  const { modelTokens, modelCalls } = ctx.policy.budgets;
  const allowance = Math.min(MAX_OUTPUT_TOKENS, modelTokens - ctx.used.modelTokens - input);
  if (allowance < MIN_OUTPUT_TOKENS) {
    throw await budgetStop(ctx.audit, { budget: 'model_tokens', limit: modelTokens, used: ctx.used.modelTokens });
  }
  if (ctx.used.modelCalls >= modelCalls) {
    throw await budgetStop(ctx.audit, { budget: 'model_calls', limit: modelCalls, used: ctx.used.modelCalls });
  }
  return allowance;
}

/** @param {RunContext} ctx */
function modelTimeout(ctx) {
  if (ctx.breaks.has('timeout')) return NO_TIMEOUT_MS;
  const left = ctx.policy.budgets.runTimeoutMs - (Date.now() - ctx.startedAt);
  return Math.max(1, Math.min(ctx.policy.budgets.modelTimeoutMs, left));
}

/**
 * @param {RunContext} ctx @param {string} text
 */
function finalAnswer(ctx, text) {
  return ctx.breaks.has('output-scrub') ? text : scrubOutput(text, ctx.redactor, ctx.policy.egressAllowDomains);
}

/**
 * A JSON schema without its `description` annotations, at any depth (a property that happens to
 * be named `description` stays: only string-valued annotations go).
 * @param {unknown} schema
 * @returns {any}
 */
function withoutDescriptions(schema) {
  if (Array.isArray(schema)) return schema.map(withoutDescriptions);
  if (schema === null || typeof schema !== 'object') return schema;
  return Object.fromEntries(
    Object.entries(schema)
      .filter(([k, v]) => !(k === 'description' && typeof v === 'string'))
      .map(([k, v]) => [k, withoutDescriptions(v)]),
  );
}
