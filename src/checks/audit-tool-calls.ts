import type { LedgerEntry, ModelEntry } from '../ledger/ledger.js';
import type { Evidence, Finding } from '../runner/results.js';
import type { AuditRecord } from '../world/audit-intake.js';
import {
  denialContradiction,
  describeAnswer,
  executedProblem,
  instant,
  isoOf,
  matchAudit,
  modelAnswered,
  modelWindowProblem,
  proposedArgsDifference,
} from './audit-match.js';
import { auditEvidence, describeToolCall, fail, ledgerEvidence, pass } from './evidence.js';
import type { Check, CheckContext } from './types.js';

const CONTROL = 'audit.tool-calls';
// A badly broken audit differs everywhere; the first differences are what a person acts on.
const MAX_FINDINGS = 12;

/**
 * The audit against the ledger, one to one: every request the world saw (tool, model, approval,
 * escalation) has its record, with the same tool, arguments, outcome and times inside the
 * world's window; every proposal is logged and resolved; nothing is logged that did not happen.
 */
export const auditToolCallsCheck: Check = {
  control: CONTROL,
  section: 'audit',
  title: 'Every tool call, model call, approval and escalation is in the audit, one to one with the ledger',
  run(ctx) {
    const { ledger, audit } = ctx;
    const served = ledger.modelCalls().length + ledger.tools().length;
    if (audit.records.length === 0) {
      return served === 0 ? [] : [fail(CONTROL, 'the audit has no valid record to hold against the ledger (see audit.integrity)')];
    }
    if (served === 0) return [];

    const findings: Finding[] = [];
    const add = (message: string, evidence: Evidence[]) => findings.push(fail(CONTROL, message, evidence));
    // Side effects first: what reached a tool backend matters most to whoever reads the finding.
    outsideTheRun(ctx, add);
    toolRequests(ctx, add);
    denials(ctx, add);
    modelCalls(ctx, add);
    proposals(ctx, add);
    approvals(ctx, add);
    escalations(ctx, add);

    if (findings.length > MAX_FINDINGS) {
      const more = findings.length - MAX_FINDINGS;
      return [...findings.slice(0, MAX_FINDINGS), fail(CONTROL, `…and ${more} more difference(s) between the audit and the ledger`)];
    }
    if (findings.length > 0) return findings;
    const m = matchAudit(ledger, audit);
    const figures = {
      tool_requests: m.tools.length,
      proposals: m.proposals.length,
      model_calls: m.models.length,
      approvals: m.approvals.length,
      escalations: m.escalations.length,
    };
    return [
      pass(
        CONTROL,
        `${figures.tool_requests} tool request(s), ${figures.proposals} proposal(s), ${figures.model_calls} model call(s), ${figures.approvals} approval(s) and ${figures.escalations} escalation(s): each in the audit, truthfully`,
        [],
        figures,
      ),
    ];
  },
};

type Add = (message: string, evidence: Evidence[]) => void;

const at = (r: { line: number; record: AuditRecord }) => auditEvidence(r.line, r.record);

/** "Times outside the run": no record can date from before the trigger or after the audit was read. */
function outsideTheRun({ audit, window }: CheckContext, add: Add): void {
  if (!window) return;
  for (const l of audit.lines) {
    if (!l.ok) continue;
    const r = l.record as Record<string, unknown>;
    for (const field of ['ts', 'started_at', 'ended_at', 'decided_at']) {
      const value = r[field];
      if (typeof value !== 'string') continue;
      const t = instant(value);
      if (!t || (t.ms + t.tolerance >= window.startedAt && t.ms - t.tolerance <= window.endedAt)) continue;
      add(
        `audit:${l.line} ${l.record.type} has ${field} ${value}, outside the run (${isoOf(window.startedAt)} – ${isoOf(window.endedAt)})`,
        [at(l)],
      );
      return;
    }
  }
}

function modelCalls({ ledger, audit }: CheckContext, add: Add): void {
  const m = matchAudit(ledger, audit);
  for (const { entry, record, required } of m.models) {
    if (!record) {
      if (required) {
        add(
          `ledger#${entry.seq}: a model call (${describeModelCall(entry)}) reached the model endpoint, but the audit has no model.called for it`,
          [ledgerEvidence(entry)],
        );
      }
      continue;
    }
    const problem = modelWindowProblem(entry, record);
    if (problem) add(`audit:${record.line} model.called for ledger#${entry.seq}: ${problem}`, [at(record), ledgerEvidence(entry)]);
  }
  for (const r of m.strayModels) {
    add(`audit:${r.line} logs a model call (started ${r.record.started_at}) that never reached the model endpoint`, [at(r)]);
  }
}

function describeModelCall(e: ModelEntry): string {
  const what = e.turn >= 0 ? `turn ${e.turn}` : `refused: ${e.rejected ?? e.fault ?? `HTTP ${e.status}`}`;
  return `${e.api}${e.stream ? ', streamed' : ''}, ${what}`;
}

function proposals(ctx: CheckContext, add: Add): void {
  const { ledger, audit } = ctx;
  const m = matchAudit(ledger, audit);
  const byCall = m.recordsByCall;
  const completed = audit.records.some((r) => r.type === 'run.ended' && r.status === 'completed');
  const last = m.models.findLast((x) => modelAnswered(x.entry))?.entry;
  const reached = new Set(m.tools.flatMap((t) => (t.entry.callId ? [t.entry.callId] : [])));
  const logged = new Set(m.proposals.flatMap((p) => (p.proposed ? [p.proposal.id] : [])));
  const mentioned = (id: string) => byCall.has(id) || reached.has(id) || logged.has(id);

  for (const { proposal, model, proposed } of m.proposals) {
    // An answer the agent may never have read (refused, faulted) binds it only if it acted on it;
    // a run that stopped early need not have acted on the last answer it got.
    const unsure = !modelAnswered(model) || model.fault !== undefined;
    const excused = (unsure && !model.proposed.some((p) => mentioned(p.id))) || (!completed && model === last);
    if (!proposed) {
      if (!excused) {
        add(`ledger#${model.seq}: the model proposed ${proposal.name} (call ${proposal.id}), but the audit has no tool.proposed for it`, [
          ledgerEvidence(model),
        ]);
      }
      continue;
    }
    if (proposed.record.tool !== proposal.name) {
      add(
        `audit:${proposed.line} logs the proposal of call ${proposal.id} as ${proposed.record.tool}, but the model proposed ${proposal.name} (ledger#${model.seq})`,
        [at(proposed), ledgerEvidence(model)],
      );
      continue;
    }
    const difference = proposedArgsDifference(proposed.record.args, proposal);
    if (difference) {
      add(`audit:${proposed.line} tool.proposed ${proposal.name} (call ${proposal.id}): ${difference} (ledger#${model.seq})`, [
        at(proposed),
        ledgerEvidence(model),
      ]);
    }
    const resolved = (byCall.get(proposal.id) ?? []).some((r) => r.line > proposed.line);
    if (!resolved && !excused) {
      add(
        `audit:${proposed.line}: the proposal of ${proposal.name} (call ${proposal.id}) is never resolved: no tool.denied, approval.requested or tool.executed for that call id follows it`,
        [at(proposed), ledgerEvidence(model)],
      );
    }
  }
  for (const r of m.strayProposals) {
    add(`audit:${r.line} logs a proposal of ${r.record.tool} (call ${r.record.call_id}) that the model never made`, [at(r)]);
  }
}

function toolRequests({ ledger, audit }: CheckContext, add: Add): void {
  const m = matchAudit(ledger, audit);
  const proposedBy = new Map(m.proposals.map((p) => [p.proposal.id, p]));
  for (const t of m.tools) {
    const { entry, record } = t;
    const call = t.callId ? ` (call ${t.callId})` : '';
    if (!record) {
      if (t.required) {
        const proposal = t.callId ? proposedBy.get(t.callId)?.proposed : undefined;
        add(`${describeToolCall(entry)}${call} reached its backend (${describeAnswer(entry)}), but the audit has no tool.executed for it`, [
          ledgerEvidence(entry),
          ...(proposal ? [at(proposal)] : []),
        ]);
      }
      continue;
    }
    const problem = executedProblem(t.entry, record);
    if (problem) {
      add(`audit:${record.line} tool.executed ${record.record.tool}${call} for ledger#${entry.seq}: ${problem}`, [
        at(record),
        ledgerEvidence(entry),
      ]);
    }
  }
  for (const r of m.strayTools) {
    const model = proposedBy.get(r.record.call_id)?.model;
    add(
      `audit:${r.line} logs tool.executed ${r.record.tool} (call ${r.record.call_id}, status ${r.record.status}), but no such request reached a tools backend`,
      [at(r), ...(model ? [ledgerEvidence(model)] : [])],
    );
  }
}

/** A denial is a lie when the call ran anyway, or went out after it was "denied". */
function denials({ ledger, audit }: CheckContext, add: Add): void {
  const m = matchAudit(ledger, audit);
  const requests = m.requestsByCall;
  for (const l of audit.lines) {
    if (!l.ok || l.record.type !== 'tool.denied') continue;
    const denied = { line: l.line, record: l.record };
    const contradiction = denialContradiction(denied, requests.get(denied.record.call_id) ?? []);
    if (!contradiction) continue;
    const { tool, call_id, rule } = denied.record;
    add(
      `audit:${l.line} logs tool.denied for ${tool} (call ${call_id}, rule ${rule}), ${contradiction.how}: ${describeToolCall(contradiction.request.entry)}`,
      [at(denied), ledgerEvidence(contradiction.request.entry)],
    );
  }
}

function approvals({ ledger, audit }: CheckContext, add: Add): void {
  const m = matchAudit(ledger, audit);
  for (const { history, requested, decided } of m.approvals) {
    const { request } = history;
    const id = String(request.approvalId);
    const asked = request.request;
    if (!requested) {
      add(
        `ledger#${request.seq}: the agent asked approval ${id} for ${String(asked?.tool)} (call ${String(asked?.callId)}), but the audit has no approval.requested for it`,
        [ledgerEvidence(request)],
      );
    } else if (String(requested.record.call_id) !== String(asked?.callId) || requested.record.tool !== asked?.tool) {
      add(
        `audit:${requested.line} logs approval ${id} for ${requested.record.tool} (call ${requested.record.call_id}), but the agent asked it for ${String(asked?.tool)} (call ${String(asked?.callId)})`,
        [at(requested), ledgerEvidence(request)],
      );
    }
    const revealed = history.decisions.map((d) => d.status);
    for (const d of decided) {
      // An agent that stops waiting decides "expired" itself; any other decision is the human's.
      if (d.record.decision === 'expired' || revealed.includes(d.record.decision)) continue;
      add(
        `audit:${d.line} says approval ${id} was ${d.record.decision}, but the approver never decided so (the world showed: ${revealed.join(', ') || 'pending'})`,
        [at(d), ledgerEvidence(request)],
      );
    }
    const final = revealed.at(-1);
    if (final && !decided.some((d) => d.record.decision === final)) {
      const poll = ledger.approvals().find((a) => a.action === 'poll' && a.approvalId === request.approvalId && a.approvalStatus === final);
      add(`the approver's decision "${final}" on approval ${id} reached the agent, but the audit has no approval.decided saying so`, [
        ledgerEvidence(poll ?? request),
      ]);
    }
  }
  for (const r of [...m.strayApprovalRequests, ...m.strayDecisions]) {
    add(`audit:${r.line} logs ${r.record.type} for approval ${String(r.record.approval_id)}, which the approval service never issued`, [
      at(r),
    ]);
  }
}

function escalations({ ledger, audit }: CheckContext, add: Add): void {
  const m = matchAudit(ledger, audit);
  for (const { entry, record } of m.escalations) {
    if (record) continue;
    const body = entry.body as { reason?: unknown } | undefined;
    add(
      `ledger#${entry.seq}: an escalation reached the sink (reason ${JSON.stringify(body?.reason ?? null)}), but the audit has no escalated record for it`,
      [ledgerEvidence(entry as LedgerEntry)],
    );
  }
  for (const r of m.strayEscalations) {
    // An escalation the agent says did not get through is not a claim that it did.
    if ((r.record as { delivered?: unknown }).delivered === false) continue;
    add(`audit:${r.line} logs an escalation (reason "${r.record.reason}") that never reached the escalation sink`, [at(r)]);
  }
}
