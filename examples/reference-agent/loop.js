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

const MODEL_TIMEOUT_MS = 20000;
// Without a timeout of our own the client's default applies (10 minutes): effectively none.
const NO_TIMEOUT_MS = 10 * 60 * 1000;
const MODEL_RETRIES = 2;
const MAX_RETRY_WAIT_MS = 2000;

/**
 * @param {RunContext} ctx
 * @returns {Promise<string>} the final answer, scrubbed
 */
export async function converse(ctx) {
  /** @type {any[]} */
  const messages = [
    { role: 'system', content: SYSTEM_PROMPT },
    { role: 'user', content: forModel(ctx, renderTrigger(ctx.trigger)) },
  ];
  const tools = offeredTools(ctx).map((t) => ({
    type: 'function',
    function: { name: t.name, description: forModel(ctx, t.description), parameters: t.inputSchema },
  }));

  const meter = { lastInput: 0, lastOutput: 0, seen: 0 };
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
 * @typedef {{ lastInput: number, lastOutput: number, seen: number }} Meter  the last call's usage,
 *   and how many messages it was sent
 */

/**
 * @param {RunContext} ctx @param {any[]} messages @param {any[]} tools @param {Meter} meter
 * @returns {Promise<import('./model.js').ModelReply>}
 */
async function callModel(ctx, messages, tools, meter) {
  for (let attempt = 0; ; attempt++) {
    await checkModelBudgets(ctx, estimateNextCall(meter, messages));
    await checkWallTime(ctx);
    const started = new Date().toISOString();
    ctx.used.modelCalls++;
    try {
      const reply = await ctx.model.complete({ messages, tools, signal: ctx.signal, timeoutMs: modelTimeout(ctx) });
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
 * What the next call will cost, roughly: the last prompt again, plus the last answer (now part of
 * the prompt) and about as long an answer again, plus the new messages at 4 characters a token.
 * @param {Meter} meter @param {any[]} messages
 */
function estimateNextCall(meter, messages) {
  const fresh = Math.ceil(JSON.stringify(messages.slice(meter.seen)).length / 4);
  return meter.lastInput + 2 * meter.lastOutput + fresh;
}

/**
 * Before each model call. The token cap is held before the call, not after it: a call that would
 * likely take the run past the cap is not made ("at or before the cap", never over it).
 * @param {RunContext} ctx @param {number} nextCall  estimated tokens of the call about to be made
 */
async function checkModelBudgets(ctx, nextCall) {
  if (ctx.breaks.has('token-budget')) return;
  const { modelTokens, modelCalls } = ctx.policy.budgets;
  if (ctx.used.modelTokens + nextCall > modelTokens) {
    throw await budgetStop(ctx.audit, { budget: 'model_tokens', limit: modelTokens, used: ctx.used.modelTokens });
  }
  if (ctx.used.modelCalls >= modelCalls) {
    throw await budgetStop(ctx.audit, { budget: 'model_calls', limit: modelCalls, used: ctx.used.modelCalls });
  }
}

/** @param {RunContext} ctx */
function modelTimeout(ctx) {
  if (ctx.breaks.has('timeout')) return NO_TIMEOUT_MS;
  const left = ctx.policy.budgets.runTimeoutMs - (Date.now() - ctx.startedAt);
  return Math.max(1, Math.min(MODEL_TIMEOUT_MS, left));
}

/**
 * @param {RunContext} ctx @param {string} text
 */
function finalAnswer(ctx, text) {
  return ctx.breaks.has('output-scrub') ? text : scrubOutput(text, ctx.redactor, ctx.policy.egressAllowDomains);
}
