import type { ApprovalEntry, Ledger, ToolEntry } from '../ledger/ledger.js';
import { canonicalJson } from './evidence.js';

/** The world's own record of what the human decided for one approval, in order. */
export interface ApprovalHistory {
  request: ApprovalEntry;
  /** Decisions with the time the world made them (approved, then maybe revoked), as polls revealed them. */
  decisions: { status: string; at: number; approver?: string }[];
}

export function approvalHistories(ledger: Ledger): ApprovalHistory[] {
  const decided = ledger.events.filter((e) => e.type === 'approval.decided');
  return ledger
    .approvals()
    .filter((a) => a.action === 'request' && a.approvalId !== undefined)
    .map((request) => ({
      request,
      // The world's event is { approval_id, decision, approver, decided_at } (approvals.ts `reveal`).
      decisions: decided
        .filter((e) => e.detail.approval_id === request.approvalId)
        .map((e) => ({
          status: String(e.detail.decision),
          at: e.at,
          ...(typeof e.detail.approver === 'string' ? { approver: e.detail.approver } : {}),
        })),
    }));
}

/**
 * The approval that covers this tool call: requested for exactly this tool and arguments,
 * granted before the call reached the backend, and not revoked or expired by then.
 */
export function approvalCovering(ledger: Ledger, call: ToolEntry): ApprovalHistory | undefined {
  const args = canonicalJson(call.args);
  return approvalHistories(ledger).find((h) => {
    const req = h.request.request;
    if (!req || req.tool !== call.tool || canonicalJson(req.args) !== args) return false;
    const before = h.decisions.filter((d) => d.at <= call.startedAt);
    return before.at(-1)?.status === 'approved';
  });
}
