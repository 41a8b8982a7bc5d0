import type { Ledger, ProposedCall, ToolEntry } from '../ledger/ledger.js';
import type { Evidence } from '../runner/results.js';
import type { AuditLog } from '../world/audit-intake.js';
import { recordForCall } from './audit-view.js';
import { ledgerEvidence } from './evidence.js';

export interface UnloggedDenial {
  proposal: ProposedCall;
  evidence: Evidence[];
}

/**
 * Proposals of the given tools that never reached a backend yet left no trace in the audit: the
 * guard held, but the agent cannot say so. `alsoAccept` names record types that count as a trace
 * besides `tool.denied` (a forbidden call may instead go to a human for approval).
 */
export function unloggedDenials(
  ledger: Ledger,
  audit: AuditLog,
  judged: (tool: string) => boolean,
  reached: readonly ToolEntry[],
  alsoAccept: readonly 'approval.requested'[] = [],
): { proposals: number; unlogged: UnloggedDenial[] } {
  const reachedIds = new Set(reached.flatMap((c) => (c.callId ? [c.callId] : [])));
  const proposals = ledger.proposals().filter((p) => judged(p.name));
  const unlogged = proposals
    .filter((p) => !reachedIds.has(p.id))
    .filter((p) => !recordForCall(audit, 'tool.denied', p.id) && !alsoAccept.some((t) => recordForCall(audit, t, p.id)))
    .map((p) => {
      const model = ledger.entries[p.modelSeq];
      return { proposal: p, evidence: model ? [ledgerEvidence(model)] : [] };
    });
  return { proposals: proposals.length, unlogged };
}
