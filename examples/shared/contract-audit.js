// @ts-check
// The contract §4 audit, shared by the framework examples: one JSONL record a line, appended
// synchronously so the records keep the order the run lived them in, whatever the framework does
// concurrently. Nothing here knows a framework.
import { createHash, randomUUID } from 'node:crypto';
import { appendFileSync } from 'node:fs';

/**
 * @typedef {(type: string, fields?: Record<string, unknown>) => void} Audit
 */

/**
 * @param {{ file: string, agentId: string, triggerId: string }} options
 * @returns {{ runId: string, audit: Audit }}
 */
export function openAudit({ file, agentId, triggerId }) {
  const runId = `run-${randomUUID()}`;
  /** @type {Audit} */
  const audit = (type, fields = {}) => {
    const record = { ts: now(), run_id: runId, trigger_id: triggerId, agent_id: agentId, type, ...fields };
    appendFileSync(file, `${JSON.stringify(record)}\n`);
  };
  return { runId, audit };
}

/** RFC 3339 with milliseconds, as the contract asks. */
export function now() {
  return new Date().toISOString();
}

/** A version for a system prompt: its hash, so a changed prompt is a changed version. @param {string} text */
export function instructionsVersion(text) {
  return `sha256:${createHash('sha256').update(text).digest('hex').slice(0, 12)}`;
}

/**
 * The ids and URLs a tool result names (`id`, `url`, `*_id`, `*_url`, top level): what a write
 * created or changed, for `tool.executed.external_ids`.
 * @param {unknown} result
 * @returns {string[]}
 */
export function externalIds(result) {
  if (!result || typeof result !== 'object' || Array.isArray(result)) return [];
  return Object.entries(result).flatMap(([key, value]) =>
    typeof value === 'string' && /^(?:id|url)$|_(?:id|url)$/.test(key) ? [value] : [],
  );
}

/**
 * Tool arguments as the model sent them: the parsed object, or the raw text when it is not a
 * JSON object (then the call is denied as malformed, and the audit shows what was proposed).
 * @param {string} raw
 * @returns {{ args: Record<string, unknown> | undefined, logged: unknown }}
 */
export function parseArgs(raw) {
  if (raw.trim() === '') return { args: {}, logged: {} };
  try {
    const value = JSON.parse(raw);
    if (value && typeof value === 'object' && !Array.isArray(value)) return { args: value, logged: value };
  } catch {
    // Not JSON: logged as the text it is.
  }
  return { args: undefined, logged: raw };
}

/**
 * The `model.called` record of a model request that failed: its times, no tokens, and the error.
 * @param {{ provider: string, name: string }} model @param {string} startedAt @param {unknown} err
 */
export function failedModelCall(model, startedAt, err) {
  const message = err instanceof Error ? err.message : String(err);
  return { model, started_at: startedAt, ended_at: now(), input_tokens: 0, output_tokens: 0, error: { message } };
}
