// @ts-check
// One proposed tool call, from the model's proposal to the message the model gets back:
// guards → approval → execution, each step audited. Only a request that really went out is
// logged as tool.executed.
import { buildPreview, seekApproval } from './approval.js';
import { forModel } from './context.js';
import { authorize, checkBudgets, isWrite, screen } from './guards.js';
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
 * @param {RunContext} ctx @param {Proposal} p @param {{ rule: string, reason: string }} denial
 */
async function deny(ctx, p, { rule, reason }) {
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
  const outcome = await ctx.transport.call({
    ...call,
    callId,
    token,
    signal: ctx.signal,
    timeoutMs: ctx.breaks.has('timeout') ? undefined : ctx.policy.budgets.toolTimeoutMs,
  });
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
