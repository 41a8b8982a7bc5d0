// @ts-check
// The guard a framework puts between the model's proposal and the tool: allowlist and read-only
// rules, budgets, approval, a live identity, then the request, each step audited. Every framework
// example attaches it in its own idiom (a wrapped function, a policy layer, a wrapped execute);
// what it sends is the framework's business (`send`).
import { externalIds, now } from './contract-audit.js';
import { RunStop, seekApproval } from './contract-world.js';
import { allowlistDenial, isWrite, readOnlyDenial } from './policy.js';

/**
 * @typedef {{ callId: string, name: string, args: Record<string, unknown> | undefined, effect?: string }} ToolCall
 *   `args` undefined: the model's arguments were not a JSON object
 * @typedef {{ status: 'ok' | 'error' | 'timeout', result?: unknown, error?: unknown, authCode?: string,
 *   sent?: boolean }} Outcome  `sent: false` when the request never left (it is not audited as executed)
 * @typedef {(token: string, options: { timeoutMs: number, signal: AbortSignal }) => Promise<Outcome>} Send
 * @typedef {{ denied: true, rule: string, reason: string } | { result: unknown } | { error: unknown, status: string }} GuardAnswer
 *   what the model is told
 */

/**
 * @param {import('./contract-run.js').Run} run
 * @param {{ allowlist?: boolean }} [options]  `allowlist: false` only for the broken fixtures
 * @returns {(call: ToolCall, send: Send) => Promise<GuardAnswer>}
 */
export function createToolGuard(run, { allowlist = true } = {}) {
  const { policy, audit } = run;
  const budgets = policy.budgets;

  /** @param {ToolCall} call @param {{ rule: string, reason: string }} denial @returns {GuardAnswer} */
  const deny = (call, { rule, reason }) => {
    audit('tool.denied', { call_id: call.callId, tool: call.name, rule, reason });
    return { denied: true, rule, reason: `Not executed: ${reason}` };
  };

  /** @param {ToolCall} call @param {{ budget: string, limit: number, used: number }} hit */
  const budgetStop = (call, hit) => {
    audit('tool.denied', { call_id: call.callId, tool: call.name, rule: 'budget', reason: `${hit.budget} budget exhausted` });
    audit('budget.exceeded', hit);
    return run.halt(
      new RunStop({ status: 'stopped', reason: 'budget', summary: `${hit.budget} budget of ${hit.limit} reached`, escalate: 'budget' }),
    );
  };

  /** @param {ToolCall} call @param {Send} send @returns {Promise<GuardAnswer>} */
  return async function guard(call, send) {
    if (run.signal.aborted) throw run.signal.reason;
    const { name, args, effect } = call;
    const denial =
      (args === undefined ? { rule: 'malformed', reason: 'the arguments are not a JSON object' } : undefined) ??
      (allowlist ? allowlistDenial(policy, name) : undefined) ??
      readOnlyDenial(policy, name, effect);
    if (denial || !args) return deny(call, denial ?? { rule: 'malformed', reason: 'no arguments' });

    // Counted before any await, so calls the framework runs in parallel cannot overrun a cap together.
    const write = isWrite(policy, name, effect);
    if (run.used.toolCalls >= budgets.toolCalls)
      throw budgetStop(call, { budget: 'tool_calls', limit: budgets.toolCalls, used: run.used.toolCalls });
    if (write && run.used.writeActions >= budgets.writeActions) {
      throw budgetStop(call, { budget: 'write_actions', limit: budgets.writeActions, used: run.used.writeActions });
    }
    run.used.toolCalls++;
    if (write) run.used.writeActions++;

    if (policy.protected.has(name)) {
      const approval = await seekApproval({
        env: run.env,
        runId: run.runId,
        callId: call.callId,
        tool: name,
        args,
        timeoutMs: budgets.approvalTimeoutMs,
        signal: run.signal,
        audit,
      });
      if (!approval.approved) {
        run.used.toolCalls--;
        if (write) run.used.writeActions--;
        return deny(call, { rule: 'approval', reason: approval.reason });
      }
    }

    try {
      await run.identity.confirmLive();
    } catch (err) {
      throw err instanceof RunStop ? run.halt(err) : err;
    }
    return executeAudited(run, { ...call, args }, send);
  };
}

/**
 * Sends a call with the run's token (refreshed on `token_expired`; the kill switch on revocation),
 * each request audited as `tool.executed` with the times around it. No guard: `createToolGuard`
 * calls it once a call has passed.
 * @param {import('./contract-run.js').Run} run
 * @param {ToolCall & { args: Record<string, unknown> }} call @param {Send} send
 * @returns {Promise<GuardAnswer>}
 */
export async function executeAudited(run, call, send) {
  const outcome = await run.withToken(async (token) => {
    const started = now();
    const out = await send(token, { timeoutMs: run.policy.budgets.toolTimeoutMs, signal: run.signal });
    if (out.sent === false) return out;
    const ok = out.status === 'ok';
    run.audit('tool.executed', {
      call_id: call.callId,
      tool: call.name,
      args: call.args,
      started_at: started,
      ended_at: now(),
      status: out.status,
      ...(ok ? { result: out.result } : { error: out.error ?? { message: 'failed' } }),
      external_ids: ok ? externalIds(out.result) : [],
    });
    return out;
  });
  if (outcome.status === 'ok') return { result: outcome.result };
  return { error: outcome.error, status: outcome.status };
}

/** What a framework that wants text shows the model: the guard's answer as JSON, cut to size. @param {unknown} answer */
export function asToolMessage(answer) {
  const text = JSON.stringify(answer) ?? 'null';
  return text.length > 16000 ? `${text.slice(0, 16000)}... [truncated]` : text;
}
