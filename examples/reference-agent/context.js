// @ts-check
// Everything one run knows, built fresh per run from the environment it was handed. Runs share a
// process (module mode), so nothing here may come from process.env or live at module level.
import { randomUUID } from 'node:crypto';
import { createAudit } from './audit.js';
import { createIdentity } from './identity.js';
import { createModel } from './model.js';
import { INSTRUCTIONS_VERSION } from './prompt.js';
import { createRedactor, secretsFromEnv } from './redact.js';
import { createToolsTransport } from './tools-client.js';

/**
 * @typedef {import('./policy.js').Policy} Policy
 * @typedef {object} RunContext
 * @property {Policy} policy
 * @property {ReadonlySet<string>} breaks
 * @property {string} runId
 * @property {Record<string, any>} trigger
 * @property {{ approvals: string, escalations: string }} urls
 * @property {string} modelName
 * @property {AbortSignal | undefined} external  the caller's signal (SIGTERM in process mode)
 * @property {AbortSignal} deadline  fires when run_timeout_ms is up
 * @property {AbortSignal} signal    either of the two: what every request listens to
 * @property {number} startedAt
 * @property {import('./redact.js').Redactor} redactor
 * @property {import('./audit.js').AuditWrite} audit  writes run.started first, whatever comes
 * @property {import('./identity.js').Identity} identity
 * @property {import('./tools-client.js').ToolsTransport} transport
 * @property {ReturnType<typeof createModel>} model
 * @property {Map<string, import('./tools-client.js').ToolInfo>} tools  as the world listed them
 * @property {string | null} schemaVersion  the latest version listed
 * @property {Set<string>} changedTools  tools whose definition changed since the run started (rug pull)
 * @property {{ toolCalls: number, writeActions: number, modelTokens: number, modelCalls: number }} used
 * @property {Map<string, number>} failures  consecutive failures per tool (circuit breaker)
 * @property {{ escalated: boolean }} flags
 * @property {string[]} missing  environment variables the run needs and did not get
 */

const DEFAULT_MODEL = 'gpt-4.1-mini';

/**
 * @param {{ env: Record<string, string | undefined>, trigger: unknown, signal?: AbortSignal,
 *   policy: Policy, breaks: ReadonlySet<string>, auditChannel?: 'file' | 'otlp' }} input
 *   `auditChannel`: where the audit goes; default AGENT_CHAOS_AUDIT_CHANNEL, else `file`
 * @returns {RunContext}
 */
export function createRunContext({ env, trigger, signal, policy, breaks, auditChannel }) {
  // Missing variables are collected, not thrown: the run still gets its audit (run.started,
  // run.ended failed) before it reports the problem.
  /** @type {string[]} */
  const missing = [];
  const need = (/** @type {string} */ name) => {
    const value = env[name];
    if (!value) missing.push(name);
    return value ?? '';
  };
  const deadline = AbortSignal.timeout(policy.budgets.runTimeoutMs);
  const redactor = createRedactor({ secrets: secretsFromEnv(env) });
  const runId = breaks.has('audit-reuse-run-id') ? 'run_fixed' : `run_${randomUUID()}`;
  const normalized = normalizeTrigger(trigger);
  const modelName = env.AGENT_CHAOS_MODEL || DEFAULT_MODEL;
  const runSignal = signal ? AbortSignal.any([signal, deadline]) : deadline;
  const otlp = (auditChannel ?? env.AGENT_CHAOS_AUDIT_CHANNEL) === 'otlp';

  /** @type {RunContext} */
  const ctx = {
    policy,
    breaks,
    runId,
    trigger: normalized,
    urls: { approvals: need('AGENT_CHAOS_APPROVALS_URL'), escalations: need('AGENT_CHAOS_ESCALATIONS_URL') },
    modelName,
    external: signal,
    deadline,
    signal: runSignal,
    startedAt: Date.now(),
    redactor,
    audit: async () => {},
    identity: createIdentity({
      url: need('AGENT_CHAOS_IDENTITY_URL'),
      clientId: need('AGENT_CHAOS_CLIENT_ID'),
      clientSecret: need('AGENT_CHAOS_CLIENT_SECRET'),
      maxTtlS: policy.identity.tokenMaxTtlS,
      breaks,
      signal: runSignal,
      // Issued tokens are secrets too: never in the audit, the answer or an escalation.
      onToken: (token) => redactor.addSecret('access_token', token),
    }),
    transport: createToolsTransport({
      transport: env.AGENT_CHAOS_HINT_TRANSPORT === 'mcp' ? 'mcp' : 'rest',
      restUrl: need('AGENT_CHAOS_TOOLS_URL'),
      mcpUrl: env.AGENT_CHAOS_HINT_TRANSPORT === 'mcp' ? need('AGENT_CHAOS_MCP_URL') : '',
    }),
    model: createModel({
      baseURL: need('OPENAI_BASE_URL'),
      apiKey: need('OPENAI_API_KEY'),
      model: modelName,
      stream: env.AGENT_CHAOS_HINT_STREAM === '1',
    }),
    tools: new Map(),
    schemaVersion: null,
    changedTools: new Set(),
    used: { toolCalls: 0, writeActions: 0, modelTokens: 0, modelCalls: 0 },
    failures: new Map(),
    flags: { escalated: false },
    missing,
  };
  ctx.audit = startFirst(
    ctx,
    createAudit({
      file: env.AGENT_CHAOS_AUDIT_FILE,
      ...(otlp ? { otlpEndpoint: need('OTEL_EXPORTER_OTLP_ENDPOINT') } : {}),
      runId,
      triggerId: normalized.id,
      agentId: policy.agentId,
      redactor,
      breaks,
    }),
  );
  return ctx;
}

/**
 * run.started must be the first record even when the run fails before it is properly under way
 * (no token, no tool list): the first write of any kind emits it, with what is known by then.
 * @param {RunContext} ctx @param {import('./audit.js').AuditWrite} write
 * @returns {import('./audit.js').AuditWrite}
 */
function startFirst(ctx, write) {
  let started = false;
  return async (type, fields) => {
    if (!started) {
      started = true;
      await write('run.started', {
        model: { provider: 'openai', name: ctx.modelName },
        instructions_version: INSTRUCTIONS_VERSION,
        // A run that fails before the world lists its tools never learns the version; it says so.
        tool_schema_version: ctx.schemaVersion ?? 'unknown',
        trigger: { id: ctx.trigger.id ?? null, source: ctx.trigger.source ?? null },
      });
    }
    if (type !== 'run.started') await write(type, fields);
  };
}

/**
 * The trigger as an object whatever arrived: a JSON string, or text that is not JSON at all.
 * @param {unknown} trigger @returns {Record<string, any>}
 */
function normalizeTrigger(trigger) {
  if (typeof trigger === 'string') {
    try {
      return normalizeTrigger(JSON.parse(trigger));
    } catch {
      return { text: trigger };
    }
  }
  return trigger && typeof trigger === 'object' && !Array.isArray(trigger)
    ? /** @type {any} */ (trigger)
    : { text: JSON.stringify(trigger ?? '') };
}

/**
 * Text on its way to the model. Unless the manifest says the model may see secrets, they are
 * redacted first: a canary the model never sees is one a hijacked model cannot leak.
 * @param {RunContext} ctx @param {string} text
 */
export function forModel(ctx, text) {
  return ctx.policy.modelMaySeeSecrets || ctx.breaks.has('model-scrub') ? text : ctx.redactor.redactText(text);
}
