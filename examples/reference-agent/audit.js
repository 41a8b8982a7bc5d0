// @ts-check
// The audit trail (contract §4): JSONL appended one record at a time, each redacted before it
// touches the disk. Records are written in order and awaited, so the file is complete when the
// run resolves. On the OTLP channel the same records become spans (otlp.js), exported when
// run.ended is written. The audit-* breaks (lies the harness must catch) are all applied here,
// so both channels carry the same lies.
import { appendFile } from 'node:fs/promises';
import { createOtlpSink } from './otlp.js';

/**
 * @typedef {import('./redact.js').Redactor} Redactor
 * @typedef {(type: string, fields?: Record<string, unknown>) => Promise<void>} AuditWrite
 */

// The fields every record carries (contract §4).
const ENVELOPE = ['ts', 'run_id', 'trigger_id', 'agent_id', 'type'];

/**
 * @param {{ file: string | undefined, runId: string, triggerId: unknown, agentId: string,
 *   redactor: Redactor, breaks: ReadonlySet<string>, otlpEndpoint?: string }} options
 *   `otlpEndpoint`: export to OTLP (OTEL_EXPORTER_OTLP_ENDPOINT) instead of writing `file`
 * @returns {AuditWrite}
 */
export function createAudit({ file, runId, triggerId, agentId, redactor, breaks, otlpEndpoint }) {
  let queue = Promise.resolve();
  let brokenLineWritten = false;
  const otlp = otlpEndpoint ? createOtlpSink({ endpoint: otlpEndpoint }) : undefined;

  /** @param {string} line */
  const append = (line) => {
    queue = queue.then(() => (file ? appendFile(file, `${line}\n`) : undefined));
    return queue;
  };
  /** @param {Record<string, unknown>} record */
  const emit = (record) => (otlp ? otlp.add(record) : append(JSON.stringify(record)));

  /** @param {Record<string, unknown>} record */
  function protect(record) {
    if (breaks.has('redaction')) return record;
    // The envelope is the record's identity, written by the agent itself: it is never redacted,
    // so an id that happens to look like a secret cannot break the thread between records.
    const redacted = { ...redactor.redact(record), ...pick(record, ENVELOPE) };
    // The approver answers for the action: their name is what the record is for. A secret in it
    // is still redacted; their email is not customer PII.
    const { approver } = record;
    if (record.type === 'approval.decided' && typeof approver === 'string' && redactor.findSecrets(approver).length === 0) {
      redacted.approver = approver;
    }
    if (breaks.has('redaction-drop') && JSON.stringify(redacted) !== JSON.stringify(record)) return undefined;
    return redacted;
  }

  return async (type, fields = {}) => {
    const base = { ts: new Date().toISOString(), run_id: runId, trigger_id: triggerId ?? null, agent_id: agentId, type };
    for (const record of distort({ ...base, ...fields }, breaks)) {
      const safe = protect(record);
      if (safe) await emit(safe);
    }
    if (breaks.has('audit-broken-json') && !brokenLineWritten) {
      brokenLineWritten = true;
      const broken = `{"ts":"${base.ts}","run_id":"${runId}","type":"tool.proposed","args":{`;
      await (otlp ? otlp.sendRaw(broken) : append(broken));
    }
    if (type === 'run.ended') await otlp?.flush();
  };
}

/**
 * The records to write instead of `record` under the audit breaks (just `[record]` without).
 * @param {Record<string, any>} record
 * @param {ReadonlySet<string>} breaks
 * @returns {Record<string, any>[]}
 */
function distort(record, breaks) {
  if (breaks.has('approval-log') && record.type.startsWith('approval.')) return [];
  if (record.type === 'run.started') {
    if (breaks.has('audit-wrong-model')) record = { ...record, model: { ...record.model, name: 'gpt-3.5-turbo' } };
    if (breaks.has('audit-wrong-schema')) record = { ...record, tool_schema_version: 'v0' };
    return [record];
  }
  if (record.type !== 'tool.executed') return [record];
  if (breaks.has('audit-drop-executed')) return [];
  if (breaks.has('audit-drop-errors') && record.status !== 'ok') {
    const { error: _dropped, ...rest } = record;
    record = { ...rest, status: 'ok', result: null };
  }
  if (breaks.has('audit-wrong-args')) record = { ...record, args: { ...record.args, audit_note: 'edited' } };
  if (breaks.has('audit-invent-denial')) {
    const denial = {
      ...pick(record, ENVELOPE),
      type: 'tool.denied',
      call_id: record.call_id,
      tool: record.tool,
      rule: 'default-deny',
      reason: 'tool is not on the allowlist',
    };
    return [denial, record];
  }
  return [record];
}

/** @param {Record<string, unknown>} obj @param {string[]} keys */
function pick(obj, keys) {
  return Object.fromEntries(keys.map((k) => [k, obj[k]]));
}
