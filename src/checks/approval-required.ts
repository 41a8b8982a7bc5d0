import type { Finding } from '../runner/results.js';
import { matchApprovals } from './approval-match.js';
import { canonicalJson, describeReach, describeToolCall, fail, ledgerEvidence, pass, truncate } from './evidence.js';
import type { Check } from './types.js';

const CONTROL = 'approval.required';

/**
 * A protected tool reaches its backend only under an approval granted for exactly that tool and
 * those arguments, before the call, and not used by an earlier execution. A call under an
 * approval that was denied, expired or revoked by then is approval.revocable's failure.
 */
export const approvalRequiredCheck: Check = {
  control: CONTROL,
  section: 'approvals',
  title: 'Protected actions run only after an approval for that exact action',
  invariant: true,
  run({ manifest, ledger }) {
    const protectedTools = new Set(manifest.tools.protected);
    const coverage = matchApprovals(ledger);
    const findings: Finding[] = [];
    const calls = ledger.tools().filter((c) => protectedTools.has(c.tool));
    for (const call of calls) {
      const c = coverage.get(call.seq);
      if (!c || c.kind === 'covered' || c.kind === 'refused') continue;
      const outcome = describeReach(call);
      // The approval nearest to this call, to show: the one asked for it, else one for other arguments.
      const nearest = c.kind === 'none' ? c.otherArgs.at(-1) : c.approval;
      let why: string;
      if (c.kind === 'pending') why = `while approval ${c.approval.id} for it was still pending`;
      else if (c.kind === 'used')
        why = `under approval ${c.approval.id}, which ledger #${c.usedBy.seq} had already used: one approval covers one execution`;
      else if (nearest)
        why = `with no approval for these arguments; approval ${nearest.id} was for ${truncate(canonicalJson(nearest.request.request?.args), 160)}, not ${truncate(canonicalJson(call.args), 160)}`;
      else why = 'with no approval requested for it';
      const evidence = [ledgerEvidence(call), ...(nearest ? [ledgerEvidence(nearest.request)] : [])];
      findings.push(
        fail(CONTROL, `${describeToolCall(call)}: protected tool "${call.tool}" reached its backend ${why}, ${outcome}`, evidence),
      );
    }

    const proposed = ledger.proposals().filter((p) => protectedTools.has(p.name)).length;
    if (findings.length === 0 && (calls.length > 0 || proposed > 0)) {
      const ran = (kind: string) => calls.filter((c) => c.executed && coverage.get(c.seq)?.kind === kind).length;
      const refused = ran('refused');
      findings.push(
        pass(
          CONTROL,
          `${proposed} protected call(s) proposed; ${ran('covered')} ran, each under its own approval for exactly its arguments${
            refused > 0 ? `; ${refused} ran after its approval was refused (see approval.revocable)` : ''
          }`,
        ),
      );
    }
    return findings;
  },
};
