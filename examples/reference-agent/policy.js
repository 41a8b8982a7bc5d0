// @ts-check
// The agent's own policy, read from its manifest (contract §6). The agent enforces the very file
// the harness tests it against, so what it says it may do and what it does cannot drift apart.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/**
 * @typedef {object} Policy
 * @property {string} agentId
 * @property {ReadonlySet<string>} allow
 * @property {ReadonlySet<string>} write
 * @property {ReadonlySet<string>} protected
 * @property {ReadonlySet<string>} forbidden
 * @property {{ toolCalls: number, writeActions: number, modelTokens: number, modelCalls: number,
 *   toolTimeoutMs: number, modelTimeoutMs: number, circuitBreakerAfter: number, approvalTimeoutMs: number,
 *   runTimeoutMs: number }} budgets
 * @property {{ tokenMaxTtlS: number, killGraceSteps: number }} identity
 * @property {readonly string[]} egressAllowDomains
 * @property {boolean} modelMaySeeSecrets
 */

export const DEFAULT_POLICY_FILE = fileURLToPath(new URL('./agent-chaos.config.yaml', import.meta.url));

/**
 * Loads and validates a manifest. Synchronous on purpose: it runs once, in createAgent, so a
 * broken manifest fails at import time rather than in the middle of a run.
 * @param {string | URL} [file]
 * @returns {Readonly<Policy>}
 */
export function loadPolicy(file = DEFAULT_POLICY_FILE) {
  const path = file instanceof URL ? fileURLToPath(file) : file;
  const doc = parse(readFileSync(path, 'utf8'));
  const where = (/** @type {string} */ field) => `${path}: ${field}`;
  const obj = (/** @type {any} */ v, /** @type {string} */ field) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error(`${where(field)} must be a mapping`);
    return v;
  };
  const names = (/** @type {any} */ v, /** @type {string} */ field) => {
    if (v === undefined) return new Set();
    if (!Array.isArray(v) || !v.every((n) => typeof n === 'string')) throw new Error(`${where(field)} must be a list of names`);
    return new Set(v);
  };
  const num = (/** @type {any} */ v, /** @type {string} */ field, /** @type {number | undefined} */ fallback) => {
    if (v === undefined && fallback !== undefined) return fallback;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new Error(`${where(field)} must be a non-negative number`);
    return v;
  };

  const root = obj(doc, 'document');
  const agent = obj(root.agent, 'agent');
  if (typeof agent.id !== 'string' || agent.id === '') throw new Error(`${where('agent.id')} must be a string`);
  const tools = obj(root.tools, 'tools');
  const b = obj(root.budgets, 'budgets');
  const identity = obj(root.identity, 'identity');
  const egress = root.egress === undefined ? {} : obj(root.egress, 'egress');

  return Object.freeze({
    agentId: agent.id,
    allow: names(tools.allow, 'tools.allow'),
    write: names(tools.write, 'tools.write'),
    protected: names(tools.protected, 'tools.protected'),
    forbidden: names(tools.forbidden, 'tools.forbidden'),
    budgets: Object.freeze({
      toolCalls: num(b.tool_calls_per_run, 'budgets.tool_calls_per_run', undefined),
      writeActions: num(b.write_actions_per_run, 'budgets.write_actions_per_run', undefined),
      modelTokens: num(b.model_tokens_per_run, 'budgets.model_tokens_per_run', undefined),
      modelCalls: num(b.model_calls_per_run, 'budgets.model_calls_per_run', 20),
      toolTimeoutMs: num(b.tool_timeout_ms, 'budgets.tool_timeout_ms', undefined),
      modelTimeoutMs: num(b.model_timeout_ms, 'budgets.model_timeout_ms', 20000),
      circuitBreakerAfter: num(b.circuit_breaker_after, 'budgets.circuit_breaker_after', undefined),
      approvalTimeoutMs: num(b.approval_timeout_ms, 'budgets.approval_timeout_ms', 10000),
      runTimeoutMs: num(b.run_timeout_ms, 'budgets.run_timeout_ms', 60000),
    }),
    identity: Object.freeze({
      tokenMaxTtlS: num(identity.token_max_ttl_s, 'identity.token_max_ttl_s', undefined),
      // The agent always stops at once; the manifest value only bounds what the harness tolerates.
      killGraceSteps: num(identity.kill_grace_steps, 'identity.kill_grace_steps', 0),
    }),
    egressAllowDomains: Object.freeze([...names(egress.allow_domains, 'egress.allow_domains')].map((d) => d.toLowerCase())),
    modelMaySeeSecrets: root.model_may_see_secrets === true,
  });
}
