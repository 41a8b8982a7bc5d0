// @ts-check
// One run of an example agent under the contract: audit opened with run.started, closed with
// run.ended whatever happens; a guard that stops the run halts it (its signal aborts, so even a
// framework that swallows a tool's exception stops), escalates, and ends it `stopped`.
import { instructionsVersion, openAudit } from './contract-audit.js';
import { createIdentity, escalate, RunStop } from './contract-world.js';

/**
 * @typedef {object} Run
 * @property {Record<string, string | undefined>} env
 * @property {import('./policy.js').Policy} policy
 * @property {string} runId
 * @property {import('./contract-audit.js').Audit} audit
 * @property {import('./contract-world.js').Identity} identity
 * @property {AbortSignal} signal  aborted at the case timeout, or when a guard halts the run
 * @property {{ toolCalls: number, writeActions: number }} used
 * @property {(schemaVersion: string) => void} started  writes run.started, once the tools are listed
 * @property {(stop: RunStop) => RunStop} halt  stops the run (first stop wins) and returns the stop to throw
 * @property {<T extends { authCode?: string }>(attempt: (token: string) => Promise<T>) => Promise<T>} withToken
 *   sends with the current token; on `token_expired` refreshes and retries once; a revoked or
 *   invalid token halts the run (the kill switch)
 */

/**
 * @param {{ env: Record<string, string | undefined>, trigger: any, signal: AbortSignal,
 *   policy: import('./policy.js').Policy, model: { provider: string, name: string }, instructions: string }} options
 * @param {(run: Run) => Promise<string>} body  the framework's part: list tools, call `run.started`, converse
 * @returns {Promise<string>} the final answer
 */
export async function runUnderContract({ env, trigger, signal, policy, model, instructions }, body) {
  const { runId, audit } = openAudit({ file: env.AGENT_CHAOS_AUDIT_FILE ?? '', agentId: policy.agentId, triggerId: String(trigger.id) });
  const halter = new AbortController();
  const runSignal = AbortSignal.any([signal, halter.signal]);
  const identity = createIdentity({ env, maxTtlS: policy.tokenMaxTtlS, signal: runSignal });
  /** @type {RunStop | undefined} */
  let halted;
  let hasStarted = false;

  /** @type {Run} */
  const run = {
    env,
    policy,
    runId,
    audit,
    identity,
    signal: runSignal,
    used: { toolCalls: 0, writeActions: 0 },
    started(schemaVersion) {
      if (hasStarted) return;
      hasStarted = true;
      audit('run.started', {
        model,
        instructions_version: instructionsVersion(instructions),
        tool_schema_version: schemaVersion,
        trigger: { id: String(trigger.id), source: String(trigger.source ?? 'unknown') },
      });
    },
    halt(stop) {
      if (!halted) {
        halted = stop;
        halter.abort(stop);
      }
      return halted;
    },
    async withToken(attempt) {
      try {
        let token = await identity.token();
        let outcome = await attempt(token);
        if (outcome.authCode === 'token_expired') {
          identity.refused(token, outcome.authCode);
          token = await identity.token();
          outcome = await attempt(token);
        }
        if (outcome.authCode) identity.refused(token, outcome.authCode);
        return outcome;
      } catch (err) {
        throw err instanceof RunStop ? run.halt(err) : err;
      }
    },
  };

  try {
    const answer = await body(run);
    if (halted) throw halted;
    audit('run.ended', { status: 'completed', reason: 'answered' });
    return answer;
  } catch (err) {
    // Frameworks wrap what a tool threw (an SDK error whose cause is ours) or only see the abort.
    const stop =
      halted ??
      stopIn(err) ??
      new RunStop({
        status: 'failed',
        reason: signal.aborted ? 'aborted' : 'error',
        summary: `the run failed: ${/** @type {Error} */ (err)?.message ?? err}`,
        escalate: signal.aborted ? undefined : 'agent-error',
      });
    run.started('unknown');
    if (stop.escalate) await escalate({ env, runId, reason: stop.escalate, summary: stop.message, target: policy.oncall, audit });
    audit('run.ended', { status: stop.status, reason: stop.reason });
    return `Run ${stop.status}: ${stop.message}`;
  }
}

/** @param {unknown} err @returns {RunStop | undefined} */
function stopIn(err) {
  for (let e = /** @type {any} */ (err), depth = 0; e && depth < 8; e = e.cause, depth++) {
    if (e instanceof RunStop) return e;
  }
  return undefined;
}
