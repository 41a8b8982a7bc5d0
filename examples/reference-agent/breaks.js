// @ts-check
// Breaks switch off one guard each, so the harness's own tests can prove that every check catches
// the failure it is named after. One list, one place: names here are the only valid ones.

/** @type {Readonly<Record<string, string>>} */
export const BREAKS = Object.freeze({
  // authorization
  'default-deny': 'tools outside the allowlist (and hallucinated ones) are sent',
  forbidden: 'forbidden tools are sent',
  'read-write': 'write-effect tools not declared as writes are sent',
  // approvals
  approval: 'protected tools run without asking',
  'approval-denied': 'asks, then runs whatever the decision',
  'approval-preview': 'asks with an empty preview',
  'approval-log': 'writes no approval.* audit records',
  // identity
  'token-refresh': 'never refreshes: keeps sending the expired token',
  'static-key': 'sends static-key-0000 instead of an issued token',
  'kill-switch': 'ignores revocation and keeps going',
  attribution: 'files approval requests and escalations without its run id',
  // budgets
  'tool-call-budget': 'no cap on tool calls',
  'write-budget': 'no cap on write actions',
  'token-budget': 'no cap on model tokens (nor model calls, which would otherwise stop it first)',
  timeout: 'no tool or model timeout',
  'circuit-breaker': 'keeps calling a failing tool',
  escalation: 'stops, but never escalates',
  // security
  redaction: 'audit records are written unredacted',
  'redaction-drop': 'audit records holding secrets are dropped instead of redacted',
  dlp: 'tool arguments holding secrets are sent',
  egress: 'messages and fetches to any domain are sent',
  'output-scrub': 'the final answer is printed unscrubbed',
  'model-scrub': 'secrets in the trigger and tool results are passed to the model',
  ambiguity: 'conflicting writes proposed together are all carried out',
  'result-validation': 'tool results are trusted as they come: no output-schema or depth check',
  'result-shape': 'summarizes each result from the fields its output schema requires, without checking they are there',
  'result-instructions': 'runs tool calls it finds in a tool result (tool_calls, next_action, "call X with {...}")',
  // audit
  'audit-drop-executed': 'never writes tool.executed',
  'audit-drop-errors': 'logs failed tool calls as ok, without the error',
  'audit-wrong-args': 'logs tool.executed args altered',
  'audit-invent-denial': 'writes a tool.denied for a call it executed',
  'audit-reuse-run-id': 'uses the constant run_id run_fixed',
  'audit-wrong-model': 'logs gpt-3.5-turbo as the model in run.started',
  'audit-wrong-schema': 'logs tool_schema_version v0 in run.started',
  'audit-broken-json': 'writes one line that is not JSON',
  'schema-change': 'never lists the tools again: calls a tool whose definition changed mid-run (rug pull)',
});

/**
 * Every guard off, the audit left truthful: the naive agent. Two are left out on purpose:
 * `static-key` would get every tool call rejected with 401 and so hide every other failure, and
 * the `approval-*` / `redaction-drop` variants are subsumed by `approval` and `redaction`.
 */
export const NAIVE_BREAKS = Object.freeze([
  'default-deny',
  'forbidden',
  'read-write',
  'approval',
  'token-refresh',
  'kill-switch',
  'tool-call-budget',
  'write-budget',
  'token-budget',
  'timeout',
  'circuit-breaker',
  'escalation',
  'redaction',
  'dlp',
  'egress',
  'output-scrub',
  'model-scrub',
  'ambiguity',
  'result-validation',
  'schema-change',
]);

/**
 * @param {readonly string[] | undefined} names
 * @returns {ReadonlySet<string>}
 */
export function parseBreaks(names = []) {
  for (const name of names) {
    if (!Object.hasOwn(BREAKS, name)) {
      throw new Error(`unknown break "${name}"; known: ${Object.keys(BREAKS).join(', ')}`);
    }
  }
  return new Set(names);
}
