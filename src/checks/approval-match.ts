import type { ApprovalEntry, Ledger, ToolEntry } from '../ledger/ledger.js';
import { canonicalJson } from './evidence.js';

/** One decision the world's human made, and when (world clock). */
export interface ApprovalDecisionRecord {
  status: string;
  at: number;
  approver: string | undefined;
}

/** The world's own record of one approval: what was asked, and what the human decided, in order. */
export interface ApprovalHistory {
  id: string;
  request: ApprovalEntry;
  decisions: ApprovalDecisionRecord[];
}

/** How an approval stood for a tool call when the call reached the backend. */
export type Coverage =
  /** Granted for exactly this call, and not used by an earlier execution. */
  | { kind: 'covered'; approval: ApprovalHistory }
  /** Asked for exactly this call, but denied, expired or revoked by then. */
  | { kind: 'refused'; approval: ApprovalHistory; decision: ApprovalDecisionRecord }
  /** Asked for exactly this call, granted, but already used by an earlier execution. */
  | { kind: 'used'; approval: ApprovalHistory; usedBy: ToolEntry }
  /** Asked for exactly this call, and still undecided. */
  | { kind: 'pending'; approval: ApprovalHistory }
  /** Never asked for with these arguments; `otherArgs` are approvals of the same tool for others. */
  | { kind: 'none'; otherArgs: ApprovalHistory[] };

const REFUSALS = new Set(['denied', 'expired', 'revoked']);

export function approvalHistories(ledger: Ledger): ApprovalHistory[] {
  const decided = ledger.events.filter((e) => e.type === 'approval.decided');
  return ledger
    .approvals()
    .filter((a): a is ApprovalEntry & { approvalId: string } => a.action === 'request' && a.approvalId !== undefined)
    .map((request) => ({
      id: request.approvalId,
      request,
      decisions: decided
        .filter((e) => e.detail.approval_id === request.approvalId)
        .map((e) => ({
          status: String(e.detail.decision),
          at: e.at,
          approver: typeof e.detail.approver === 'string' ? e.detail.approver : undefined,
        })),
    }));
}

/** The decision in force at `at`: the last one made at or before it; undefined while pending. */
export function decisionAt(history: ApprovalHistory, at: number): ApprovalDecisionRecord | undefined {
  return history.decisions.filter((d) => d.at <= at).at(-1);
}

/**
 * How every tool call stood against the approvals, by ledger seq. An approval covers a call when
 * it was requested, before the call, for exactly its tool and canonical arguments, and granted
 * and neither revoked nor expired when the call reached the backend. One approval covers one
 * execution: the first executed call it covers uses it up (an attempt the world refused uses
 * nothing, so a retry after a refreshed token is still covered).
 */
export function matchApprovals(ledger: Ledger): Map<number, Coverage> {
  const histories = approvalHistories(ledger);
  const usedBy = new Map<string, ToolEntry>();
  const out = new Map<number, Coverage>();
  for (const call of ledger.tools()) {
    const sameTool = histories.filter((h) => h.request.seq < call.seq && h.request.request?.tool === call.tool);
    const args = canonicalJson(call.args);
    const exact = sameTool.filter((h) => canonicalJson(h.request.request?.args) === args);
    const standing = exact.map((h) => ({ h, decision: decisionAt(h, call.startedAt) }));
    const granted = standing.find((s) => s.decision?.status === 'approved' && !usedBy.has(s.h.id));
    let coverage: Coverage;
    if (granted) {
      coverage = { kind: 'covered', approval: granted.h };
      if (call.executed) usedBy.set(granted.h.id, call);
    } else {
      const refused = standing.filter((s) => s.decision && REFUSALS.has(s.decision.status)).at(-1);
      const used = standing.find((s) => s.decision?.status === 'approved');
      const pending = standing.find((s) => s.decision === undefined);
      if (refused?.decision) coverage = { kind: 'refused', approval: refused.h, decision: refused.decision };
      else if (used) coverage = { kind: 'used', approval: used.h, usedBy: usedBy.get(used.h.id) as ToolEntry };
      else if (pending) coverage = { kind: 'pending', approval: pending.h };
      else coverage = { kind: 'none', otherArgs: sameTool };
    }
    out.set(call.seq, coverage);
  }
  return out;
}

/** The approval that covers this tool call, if any (see `matchApprovals`). */
export function approvalCovering(ledger: Ledger, call: ToolEntry): ApprovalHistory | undefined {
  const coverage = matchApprovals(ledger).get(call.seq);
  return coverage?.kind === 'covered' ? coverage.approval : undefined;
}
