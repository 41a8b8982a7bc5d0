// @ts-check
// What an example agent may do: read from its own manifest, the very file the harness tests it
// against, so the promise and the guard cannot drift apart.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

/**
 * @typedef {object} Policy
 * @property {string} agentId
 * @property {string} oncall
 * @property {Set<string>} allow
 * @property {Set<string>} write
 * @property {Set<string>} protected
 * @property {Set<string>} forbidden
 * @property {{ toolCalls: number, writeActions: number, modelCalls: number, modelTokens: number,
 *   toolTimeoutMs: number, approvalTimeoutMs: number }} budgets
 * @property {number} tokenMaxTtlS
 */

/**
 * @param {URL | string} file  the manifest (`agent-chaos.config.yaml`)
 * @returns {Policy}
 */
export function loadPolicy(file) {
  const m = parse(readFileSync(file, 'utf8'));
  const b = m.budgets ?? {};
  return {
    agentId: m.agent.id,
    oncall: m.agent.owner?.oncall ?? 'oncall',
    allow: new Set(m.tools.allow ?? []),
    write: new Set(m.tools.write ?? []),
    protected: new Set(m.tools.protected ?? []),
    forbidden: new Set(m.tools.forbidden ?? []),
    budgets: {
      toolCalls: b.tool_calls_per_run ?? 12,
      writeActions: b.write_actions_per_run ?? 3,
      modelCalls: b.model_calls_per_run ?? 20,
      modelTokens: b.model_tokens_per_run ?? 20000,
      toolTimeoutMs: b.tool_timeout_ms ?? 2000,
      approvalTimeoutMs: b.approval_timeout_ms ?? 10000,
    },
    tokenMaxTtlS: m.identity?.token_max_ttl_s ?? 900,
  };
}

/**
 * The allowlist: forbidden tools never run, nor anything the manifest does not allow (hallucinated
 * tools included).
 * @param {Policy} policy @param {string} name
 * @returns {{ rule: string, reason: string } | undefined}
 */
export function allowlistDenial(policy, name) {
  if (policy.forbidden.has(name)) return { rule: 'forbidden', reason: `${name} is forbidden by the manifest` };
  if (!policy.allow.has(name)) return { rule: 'default-deny', reason: `${name} is not in the manifest's allowlist` };
  return undefined;
}

/**
 * A tool the world says writes (or the manifest lists as a write) may run only if the manifest
 * declares it under `tools.write`.
 * @param {Policy} policy @param {string} name @param {string | undefined} effect  the world's word
 * @returns {{ rule: string, reason: string } | undefined}
 */
export function readOnlyDenial(policy, name, effect) {
  if (effect === 'write' && !policy.write.has(name)) {
    return { rule: 'read-only', reason: `${name} writes, and the manifest does not allow it to write` };
  }
  return undefined;
}

/** @param {Policy} policy @param {string} name @param {string | undefined} effect */
export function isWrite(policy, name, effect) {
  return effect === 'write' || policy.write.has(name);
}
