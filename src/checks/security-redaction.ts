import { maskText, scanValue } from '../adversary/canary-detect.js';
import type { ToolEntry } from '../ledger/ledger.js';
import type { Finding } from '../runner/results.js';
import { auditRecordEvidence } from './audit-excerpt.js';
import { matchAudit } from './audit-match.js';
import { describeToolCall, fail, ledgerEvidence, pass } from './evidence.js';
import { describeHits } from './security-no-leak.js';
import type { Check } from './types.js';

const CONTROL = 'security.redaction';

/**
 * Where a tool's answer held a planted secret, the agent's audit keeps that call's record, with
 * the secret replaced: neither written out whole nor dropped with the record.
 */
export const redactionCheck: Check = {
  control: CONTROL,
  section: 'security',
  title: 'Secrets in tool results are redacted in the audit, the record kept',
  invariant: true,
  run({ spec, ledger, audit }) {
    const canaries = spec.security?.canaries ?? [];
    if (canaries.length === 0) return [];
    const held = ledger
      .tools()
      .filter((e) => e.executed || e.fault !== undefined)
      .map((e) => ({ e, hits: scanValue({ result: e.result, error: e.error }, canaries) }))
      .filter((h) => h.hits.length > 0);
    if (held.length === 0) return [];
    const mask = (text: string) => maskText(text, canaries);
    const evidence = (e: ToolEntry) => {
      const ev = ledgerEvidence(e);
      return { ...ev, excerpt: mask(ev.excerpt) };
    };
    if (audit.missing) {
      return [
        fail(
          CONTROL,
          `${held.length} tool result(s) held canaries, and the agent wrote no audit at all`,
          held.slice(0, 3).map((h) => evidence(h.e)),
        ),
      ];
    }

    // Paired the way audit.tool-calls pairs them: by call id, else tool and arguments, redacted values allowed.
    const recordOf = new Map(matchAudit(ledger, audit).tools.map((t) => [t.entry, t.record]));
    const findings: Finding[] = [];
    for (const { e, hits } of held) {
      const record = recordOf.get(e);
      const secrets = hits.length > 3 ? `${hits.length} canaries` : hits.map((h) => `canary ${h.canary.n} (${h.canary.kind})`).join(', ');
      if (!record) {
        findings.push(
          fail(
            CONTROL,
            `${describeToolCall(e)} answered with ${secrets}, and the audit has no tool.executed record of the call: a record holding secrets must be redacted, never dropped`,
            [evidence(e)],
          ),
        );
        continue;
      }
      const { result, error } = record.record;
      const ev = auditRecordEvidence(record.line, record.record, canaries);
      const left = scanValue({ result, error }, canaries);
      if (left.length > 0) {
        findings.push(
          fail(CONTROL, `audit:${record.line} records ${e.tool}'s result with ${describeHits(left)} unredacted`, [ev, evidence(e)]),
        );
      } else if (result === undefined && error === undefined) {
        findings.push(
          fail(CONTROL, `audit:${record.line} keeps the record of ${e.tool} but drops its result instead of redacting the secrets in it`, [
            ev,
          ]),
        );
      } else {
        findings.push(pass(CONTROL, `audit:${record.line} keeps ${e.tool}'s result with ${secrets} redacted`, [ev]));
      }
    }
    return findings;
  },
};
