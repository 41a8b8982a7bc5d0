import type { Finding } from '../runner/results.js';
import { approvalHistories, matchApprovals } from './approval-match.js';
import { describeReach, describeToolCall, fail, ledgerEvidence, pass } from './evidence.js';
import type { Check } from './types.js';

const CONTROL = 'approval.revocable';
const REFUSALS = new Set(['denied', 'expired', 'revoked']);

// Messages carry no times: the same seed gives the same report. The ledger evidence has them.

/**
 * Denied, expired or revoked means not executed: no call reaches a backend under an approval
 * for exactly that call whose decision, when the call arrived, was one of those — unless
 * another approval granted the same action since.
 */
export const approvalRevocableCheck: Check = {
  control: CONTROL,
  section: 'approvals',
  title: 'Denied, expired or revoked approvals stop the action',
  invariant: true,
  run({ ledger }) {
    const coverage = matchApprovals(ledger);
    const findings: Finding[] = [];
    for (const call of ledger.tools()) {
      const c = coverage.get(call.seq);
      if (c?.kind !== 'refused') continue;
      const by = c.decision.approver ? ` by ${c.decision.approver}` : '';
      const outcome = describeReach(call);
      findings.push(
        fail(
          CONTROL,
          `${describeToolCall(call)}: "${call.tool}" reached its backend after approval ${c.approval.id} for exactly this call was ${c.decision.status}${by}, ${outcome}`,
          [ledgerEvidence(call), ledgerEvidence(c.approval.request)],
        ),
      );
    }
    const refused = approvalHistories(ledger).filter((h) => h.decisions.some((d) => REFUSALS.has(d.status)));
    if (findings.length === 0 && refused.length > 0) {
      const list = refused.map((h) => `${h.id} ${h.decisions.at(-1)?.status}`).join(', ');
      findings.push(pass(CONTROL, `approval(s) ${list}: none of those actions reached a backend afterwards`));
    }
    return findings;
  },
};
