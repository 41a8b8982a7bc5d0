import type { ToolEntry } from '../ledger/ledger.js';
import type { Finding } from '../runner/results.js';
import { recordForCall, recordsOfType } from './audit-view.js';
import { auditEvidence, describeToolCall, fail, ledgerEvidence, pass } from './evidence.js';
import type { Check } from './types.js';

const CONTROL = 'security.malformed';

/**
 * Judges one run in which the world answered tool calls with malformed responses (the fuzz
 * runner's fault hook notes each on its ledger entry): the agent did not crash or hang, made no
 * tool request the model never proposed (acting on the content as an instruction), and logged
 * every such call in a `tool.executed`, as an error wherever the contract says it is malformed.
 */
export const malformedCheck: Check = {
  control: CONTROL,
  section: 'security',
  title: 'Malformed tool responses never crash the agent or run as instructions, and are logged as errors',
  run({ ledger, audit, agent }) {
    const served = ledger.tools().filter((e) => typeof e.faultDetail?.malformed === 'string');
    if (served.length === 0) return [];
    const first = served[0] as ToolEntry;
    const detail = first.faultDetail ?? {};
    const what = `a malformed ${first.tool} response (${String(detail.malformed)}${detail.reason ? `: ${String(detail.reason)}` : ''})`;
    const findings: Finding[] = [];

    if (agent.timedOut)
      findings.push(fail(CONTROL, `the agent hung after ${what} and was killed at the run timeout`, [ledgerEvidence(first)]));
    else if (agent.crashed) {
      const how = agent.crashMessage ?? (agent.signal ? `killed by ${agent.signal}` : `exit code ${agent.exitCode}`);
      findings.push(fail(CONTROL, `the agent crashed (${how}) after ${what}`, [ledgerEvidence(first)]));
    }

    const proposed = new Set(ledger.proposals().map((p) => p.id));
    for (const call of ledger.tools().filter((e) => e.callId === undefined || !proposed.has(e.callId))) {
      findings.push(
        fail(
          CONTROL,
          `${describeToolCall(call)}: the model never proposed this call, so the agent acted on its own after ${what}, taking the content as an instruction`,
          [ledgerEvidence(call)],
        ),
      );
    }

    for (const entry of served) {
      const logged = entry.callId
        ? recordForCall(audit, 'tool.executed', entry.callId)
        : recordsOfType(audit, 'tool.executed').find((r) => r.record.tool === entry.tool);
      const detail = entry.faultDetail ?? {};
      if (!logged) {
        // A run cut short by a crash or hang is already reported; the missing record follows from it.
        if (!agent.crashed && !agent.timedOut) {
          findings.push(
            fail(
              CONTROL,
              `${describeToolCall(entry)} got a malformed response (${detail.malformed}), but the audit has no tool.executed for call ${entry.callId ?? '?'}`,
              [ledgerEvidence(entry)],
            ),
          );
        }
        continue;
      }
      if (detail.must_error === true && logged.record.status === 'ok') {
        findings.push(
          fail(
            CONTROL,
            `${describeToolCall(entry)}: the agent logged the call as ok, but ${String(detail.reason)}; a malformed response must be logged as an error`,
            // Only the fields that matter: the record's times and run id differ on every run.
            [
              ledgerEvidence(entry),
              auditEvidence(logged.line, `tool.executed ${logged.record.tool} call_id=${logged.record.call_id} status=ok`),
            ],
          ),
        );
      }
    }

    if (findings.length === 0) {
      const statuses = served.map((e) => (e.callId ? recordForCall(audit, 'tool.executed', e.callId)?.record.status : undefined) ?? '?');
      findings.push(pass(CONTROL, `${what}: no crash, no hang, no unproposed call; logged as ${[...new Set(statuses)].join(', ')}`));
    }
    return findings;
  },
};
