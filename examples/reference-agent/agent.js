// @ts-check
// The reference agent: a support-triage bot whose guards hold against a fully hijacked model.
// The default export is the module contract: the harness calls it in-process, once per run,
// with the run's environment as a plain object.
import { parseBreaks } from './breaks.js';
import { createRunContext } from './context.js';
import { request } from './http.js';
import { converse } from './loop.js';
import { scrubOutput } from './output.js';
import { loadPolicy } from './policy.js';
import { RunStop, wallTimeStop } from './stop.js';
import { withAuth } from './tool-call.js';

export { BREAKS, NAIVE_BREAKS } from './breaks.js';

/**
 * @typedef {object} RunInput
 * @property {Record<string, string | undefined>} env  the contract §2 environment
 * @property {unknown} trigger  the trigger object (or its JSON text)
 * @property {AbortSignal} [signal]  aborting it stops the run (run.ended `stopped`, reason `aborted`)
 * @typedef {(input: RunInput) => Promise<string>} Run
 * @typedef {import('./context.js').RunContext} RunContext
 */

const ESCALATION_TIMEOUT_MS = 5000;

const AUDIT_CHANNELS = ['file', 'otlp'];

/**
 * Builds an agent. Options are fixed for its lifetime; every run gets its own state.
 * @param {{ policyFile?: string | URL, breaks?: readonly string[], auditChannel?: 'file' | 'otlp',
 *   describeTools?: boolean }} [options]
 *   `policyFile`: the manifest to enforce (default: this directory's agent-chaos.config.yaml);
 *   `breaks`: guards to switch off, for the harness's broken-agent fixtures (see breaks.js);
 *   `describeTools`: false to offer the model tool names and parameter schemas only, never the
 *   server's descriptions (a stricter design: a poisoned description cannot reach the model);
 *   `auditChannel`: the JSONL file (AGENT_CHAOS_AUDIT_FILE) or OTLP traces
 *   (OTEL_EXPORTER_OTLP_ENDPOINT); default: the run's AGENT_CHAOS_AUDIT_CHANNEL, else `file`
 * @returns {Run} resolves to the final answer; rejects only on an unexpected error, after the
 *   audit has recorded `run.ended` with status `failed`
 */
export function createAgent({ policyFile, breaks, auditChannel, describeTools = true } = {}) {
  const policy = loadPolicy(policyFile);
  const broken = parseBreaks(breaks);
  if (auditChannel !== undefined && !AUDIT_CHANNELS.includes(auditChannel)) {
    throw new Error(`unknown audit channel "${auditChannel}"; known: ${AUDIT_CHANNELS.join(', ')}`);
  }

  return async function run({ env, trigger, signal }) {
    const ctx = createRunContext({ env, trigger, signal, policy, breaks: broken, auditChannel });
    let end = { status: 'failed', reason: 'error' };
    try {
      if (ctx.missing.length > 0) throw new Error(`environment variables not set: ${ctx.missing.join(', ')}`);
      await start(ctx);
      const answer = await converse(ctx, { describeTools });
      end = { status: 'completed', reason: 'completed' };
      return answer;
    } catch (err) {
      const stop = await asStop(ctx, err);
      if (!stop) {
        end = { status: 'failed', reason: `error: ${/** @type {any} */ (err)?.message ?? String(err)}` };
        throw err;
      }
      if (stop.escalate) await escalate(ctx, stop.escalate, stop.summary);
      end = { status: stop.status, reason: stop.reason };
      const answer = `Run ${stop.status} (${stop.reason}): ${stop.summary}.${ctx.flags.escalated ? ' Escalated to on-call.' : ''}`;
      return ctx.breaks.has('output-scrub') ? answer : scrubOutput(answer, ctx.redactor, policy.egressAllowDomains);
    } finally {
      await ctx.transport.close();
      await ctx.audit('run.ended', end);
    }
  };
}

/**
 * Token, tool list, then run.started with the schema version the world announced.
 * @param {RunContext} ctx
 */
async function start(ctx) {
  const listing = await withAuth(ctx, (token) => ctx.transport.list(token, ctx.signal));
  if (listing.status !== 'ok') {
    throw new RunStop({
      status: 'failed',
      reason: 'tools-unavailable',
      summary: `could not list the tools: ${listing.error.message}`,
      escalate: 'tools-unavailable',
    });
  }
  ctx.tools = new Map(listing.tools.map((t) => [t.name, t]));
  ctx.schemaVersion = listing.schemaVersion;
  await ctx.audit('run.started');
}

/**
 * A deliberate stop, a cancellation or the wall clock; undefined for a genuine crash.
 * @param {RunContext} ctx @param {unknown} err
 */
async function asStop(ctx, err) {
  if (err instanceof RunStop) return err;
  if (ctx.external?.aborted) return new RunStop({ status: 'stopped', reason: 'aborted', summary: 'the run was cancelled' });
  if (ctx.deadline.aborted) return wallTimeStop(ctx);
  return undefined;
}

/**
 * Tells on-call, once per run. It has its own timeout: it must still go out after the run's
 * deadline has passed, which is one of the reasons to escalate.
 * @param {RunContext} ctx @param {string} reason @param {string} summary
 */
async function escalate(ctx, reason, summary) {
  if (ctx.breaks.has('escalation') || ctx.flags.escalated) return;
  ctx.flags.escalated = true;
  const safeSummary = ctx.redactor.redactText(summary);
  const signal = ctx.external ?? new AbortController().signal;
  /** @type {Record<string, unknown>} */
  let delivery = {};
  try {
    const res = await request(ctx.urls.escalations, {
      method: 'POST',
      body: { run_id: ctx.breaks.has('attribution') ? undefined : ctx.runId, reason, summary: safeSummary },
      signal,
      timeoutMs: ESCALATION_TIMEOUT_MS,
    });
    if (res.status < 200 || res.status > 299) delivery = { delivered: false, http_status: res.status };
  } catch (err) {
    delivery = { delivered: false, error: /** @type {Error} */ (err).message };
  }
  await ctx.audit('escalated', { reason, target: 'escalations', summary: safeSummary, ...delivery });
}

export default createAgent();
