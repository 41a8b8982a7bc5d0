// @ts-check
// One proposed tool call, from the model's proposal to the message the model gets back:
// guards → approval → execution, each step audited. Only a request that really went out is
// logged as tool.executed.
import { buildPreview, seekApproval } from './approval.js';
import { forModel } from './context.js';
import { authorize, checkBudgets, isWrite, screen } from './guards.js';
import { resultProblem } from './result-check.js';
import { budgetStop, checkWallTime, killSwitch } from './stop.js';

/**
 * @typedef {import('./context.js').RunContext} RunContext
 * @typedef {{ id: string, name: string, args: Record<string, unknown> | undefined, raw: string,
 *   parseError?: string }} Proposal
 */

// What the model gets back from a tool is capped: a huge result must not blow the token budget.
const MAX_TOOL_MESSAGE = 16000;

/**
 * @param {{ id: string, name: string, arguments: string }} call
 * @returns {Proposal}
 */
export function toProposal({ id, name, arguments: raw }) {
  if (raw.trim() === '') return { id, name, args: {}, raw };
  try {
    const args = JSON.parse(raw);
    if (args && typeof args === 'object' && !Array.isArray(args)) return { id, name, args, raw };
    return { id, name, args: undefined, raw, parseError: 'arguments are not a JSON object' };
  } catch (err) {
    return { id, name, args: undefined, raw, parseError: `arguments are not valid JSON: ${/** @type {Error} */ (err).message}` };
  }
}

/**
 * Runs one proposal through the guards and, if it passes, executes it.
 * @param {RunContext} ctx @param {Proposal} p
 * @returns {Promise<string>} the tool message for the model
 * @throws {import('./stop.js').RunStop} when the run must end (budget, kill switch, wall time)
 */
export async function handleToolCall(ctx, p) {
  if (p.args === undefined) return deny(ctx, p, { rule: 'malformed', reason: p.parseError ?? 'no arguments' });
  const call = { name: p.name, args: p.args };

  const denial = authorize(call, ctx);
  if (denial) return deny(ctx, p, denial);

  const hit = checkBudgets(call, ctx);
  if (hit) {
    await ctx.audit('tool.denied', { call_id: p.id, tool: p.name, rule: 'budget', reason: `${hit.budget} budget exhausted` });
    throw await budgetStop(ctx.audit, hit);
  }

  const screened = screen(call, ctx);
  if (screened) return deny(ctx, p, screened);

  if (ctx.policy.protected.has(p.name) && !ctx.breaks.has('approval')) {
    const approval = await seekApproval({
      url: ctx.urls.approvals,
      runId: ctx.breaks.has('attribution') ? undefined : ctx.runId,
      callId: p.id,
      tool: p.name,
      args: call.args,
      preview: ctx.breaks.has('approval-preview') ? '' : buildPreview(p.name, call.args),
      timeoutMs: ctx.policy.budgets.approvalTimeoutMs,
      signal: ctx.signal,
      audit: ctx.audit,
    });
    if (!approval.approved && !ctx.breaks.has('approval-denied')) {
      return deny(ctx, p, { rule: 'approval', reason: approval.reason });
    }
  }

  await checkWallTime(ctx);
  return execute(ctx, p.id, call);
}

/**
 * Records a denial and returns the tool message that tells the model.
 * @param {RunContext} ctx @param {Proposal} p @param {{ rule: string, reason: string }} denial
 */
export async function deny(ctx, p, { rule, reason }) {
  await ctx.audit('tool.denied', { call_id: p.id, tool: p.name, rule, reason });
  return JSON.stringify({ denied: true, rule, reason: `Not executed: ${reason}` });
}

/**
 * @param {RunContext} ctx @param {string} callId @param {{ name: string, args: Record<string, unknown> }} call
 */
async function execute(ctx, callId, call) {
  // Counted once per call: a retry after a refreshed token is the same action.
  ctx.used.toolCalls++;
  if (isWrite(call.name, ctx)) ctx.used.writeActions++;
  const outcome = await withAuth(ctx, (token) => send(ctx, callId, call, token), { confirm: true });
  if (outcome.aborted) throw ctx.signal.reason ?? new Error('run aborted');
  for (const followup of takeFollowups(ctx)) await handleToolCall(ctx, followup);
  // Auth failures say nothing about the tool's health, so they do not trip its circuit.
  if (!outcome.authCode) ctx.failures.set(call.name, outcome.status === 'ok' ? 0 : (ctx.failures.get(call.name) ?? 0) + 1);
  const body = outcome.status === 'ok' ? { result: outcome.result } : { error: { status: outcome.status, ...outcome.error } };
  const text = JSON.stringify(body) ?? 'null';
  return forModel(ctx, text.length > MAX_TOOL_MESSAGE ? `${text.slice(0, MAX_TOOL_MESSAGE)}… [truncated]` : text);
}

/**
 * @param {RunContext} ctx @param {string} callId
 * @param {{ name: string, args: Record<string, unknown> }} call @param {string} token
 */
async function send(ctx, callId, call, token) {
  const started = new Date().toISOString();
  const received = await ctx.transport.call({
    ...call,
    callId,
    token,
    signal: ctx.signal,
    timeoutMs: ctx.breaks.has('timeout') ? undefined : ctx.policy.budgets.toolTimeoutMs,
  });
  if (received.status === 'ok') brokenHandling(ctx, callId, call.name, received.result);
  const outcome = checkResult(ctx, call.name, received);
  if (outcome.sent) {
    await ctx.audit('tool.executed', {
      call_id: callId,
      tool: call.name,
      args: call.args,
      started_at: started,
      ended_at: new Date().toISOString(),
      status: outcome.status,
      ...(outcome.status === 'ok' ? { result: outcome.result } : { error: outcome.error }),
      external_ids: outcome.status === 'ok' ? externalIds(outcome.result) : [],
    });
  }
  return outcome;
}

// --- broken on purpose: the result-shape and result-instructions fixtures ---------------------

/** @type {WeakMap<RunContext, Proposal[]>} */
const followups = new WeakMap();

/** @param {RunContext} ctx */
function takeFollowups(ctx) {
  const list = followups.get(ctx) ?? [];
  followups.delete(ctx);
  return list;
}

/**
 * What the two result breaks do with a result as it arrives, before any check: `result-shape`
 * summarizes it from the fields its schema promises (and so dereferences a missing one);
 * `result-instructions` queues the tool calls it finds in it, to run as if the model asked.
 * @param {RunContext} ctx @param {string} callId @param {string} name @param {unknown} result
 */
function brokenHandling(ctx, callId, name, result) {
  if (ctx.breaks.has('result-shape')) {
    const schema = /** @type {any} */ (ctx.tools.get(name)?.outputSchema);
    const r = /** @type {any} */ (result);
    for (const key of schema?.required ?? []) {
      const type = schema.properties?.[key]?.type;
      if (type === 'string') r[key].trim();
      else if (type === 'array') r[key].slice(0, 1);
    }
  }
  if (ctx.breaks.has('result-instructions')) {
    const found = callsIn(result).map((c, i) => toProposal({ id: `${callId}_next_${i}`, name: c.name, arguments: c.arguments }));
    if (found.length > 0) followups.set(ctx, [...(followups.get(ctx) ?? []), ...found]);
  }
}

/**
 * Tool calls a result seems to ask for: OpenAI-style `tool_calls` (top level or in
 * `next_action`), an MCP `tools/call` request, or "call NAME with {...}" in any string.
 * @param {unknown} value @returns {{ name: string, arguments: string }[]}
 */
function callsIn(value) {
  /** @type {{ name: string, arguments: string }[]} */
  const out = [];
  /** @param {any} v @param {number} depth */
  const visit = (v, depth) => {
    if (depth > 8 || v === null || v === undefined) return;
    if (typeof v === 'string') {
      const m = /\bcall ([A-Za-z0-9_.-]+) with (\{.*?\})(?: and|\.|$)/.exec(v);
      if (m) out.push({ name: /** @type {string} */ (m[1]), arguments: /** @type {string} */ (m[2]) });
      return;
    }
    if (typeof v !== 'object') return;
    if (v.method === 'tools/call' && typeof v.params?.name === 'string') {
      out.push({ name: v.params.name, arguments: JSON.stringify(v.params.arguments ?? {}) });
    }
    for (const c of Array.isArray(v.tool_calls) ? v.tool_calls : []) {
      if (typeof c?.function?.name === 'string') out.push({ name: c.function.name, arguments: String(c.function.arguments ?? '{}') });
    }
    for (const child of Object.values(v)) if (child !== v.tool_calls) visit(child, depth + 1);
  };
  visit(value, 0);
  return out;
}

/**
 * A result that breaks the tool's declared output schema, or is too deep to walk, is malformed:
 * an error, so it is logged as one and never shown to the model as data.
 * @param {RunContext} ctx @param {string} name @param {import('./tools-client.js').CallOutcome} outcome
 * @returns {import('./tools-client.js').CallOutcome}
 */
function checkResult(ctx, name, outcome) {
  if (outcome.status !== 'ok' || ctx.breaks.has('result-validation')) return outcome;
  const problem = resultProblem(outcome.result, ctx.tools.get(name)?.outputSchema);
  if (!problem) return outcome;
  return { status: 'error', sent: outcome.sent, error: { code: 'malformed_response', message: problem } };
}

/**
 * Sends with the current token. An expired one is refreshed and the request retried once; a
 * revoked or invalid one stops the run at once (the kill switch).
 * @template {{ authCode?: string }} T
 * @param {RunContext} ctx @param {(token: string) => Promise<T>} attempt
 * @param {{ confirm?: boolean }} [options]  `confirm`: ask the identity provider first that this
 *   client may still act (every tool call does; a revoked client stops before its request)
 * @returns {Promise<T>}
 */
export async function withAuth(ctx, attempt, { confirm = false } = {}) {
  let token = await (confirm ? ctx.identity.confirmed() : ctx.identity.token());
  let outcome = await attempt(token);
  if (outcome.authCode === 'token_expired') {
    ctx.identity.refused(token, outcome.authCode);
    const fresh = await ctx.identity.token();
    // Same token back means no refresh happened: a rejected token is not resent. Broken on
    // purpose, the naive client's mistake: retry with it anyway.
    if (fresh !== token || ctx.breaks.has('token-refresh')) {
      token = fresh;
      outcome = await attempt(token);
    }
  }
  if (outcome.authCode) {
    ctx.identity.refused(token, outcome.authCode);
    if (outcome.authCode !== 'token_expired' && !ctx.breaks.has('kill-switch')) {
      throw killSwitch(`the world rejected this agent's token (${outcome.authCode}); stopped at once`);
    }
  }
  return outcome;
}

/**
 * IDs and URLs the call created or changed: top-level `id`, `url`, `*_id`, `*_url` string values,
 * and the same one level down in `result` or `data` envelopes.
 * @param {unknown} result @returns {string[]}
 */
export function externalIds(result) {
  const ids = new Set();
  /** @param {any} obj */
  const collect = (obj) => {
    if (!obj || typeof obj !== 'object' || Array.isArray(obj)) return;
    for (const [key, value] of Object.entries(obj)) {
      if (typeof value === 'string' && /^(?:id|url)$|_(?:id|url)$/.test(key)) ids.add(value);
    }
  };
  collect(result);
  collect(/** @type {any} */ (result)?.result);
  collect(/** @type {any} */ (result)?.data);
  return [...ids];
}
