import type { ModelEntry } from '../ledger/ledger.js';
import type { Evidence } from '../runner/results.js';
import type { AuditLog, AuditRecord } from '../world/audit-intake.js';
import {
  type AuditMatch,
  denialContradiction,
  describeAnswer,
  externalIdsProblem,
  type ModelRecord,
  matchAudit,
  modelAnswered,
  outcomeProblem,
  proposedArgsDifference,
} from './audit-match.js';
import type { Located } from './audit-view.js';
import { auditEvidence, describeToolCall, fail, ledgerEvidence, pass } from './evidence.js';
import type { Check, CheckContext } from './types.js';

const CONTROL = 'audit.replay';

/** Where the chain rebuilt from the audit and the ledger's part. */
interface Parting {
  message: string;
  evidence: Evidence[];
}

/** One model answer that proposed tool calls, as the audit tells it: a model.called and the proposals after it. */
interface AuditTurn {
  model: ModelRecord | undefined;
  proposals: Located<'tool.proposed'>[];
}

/**
 * Forensic replay: rebuild the chain input → model decisions → tool calls → side effects →
 * escalations from the audit alone (the order of its records, their call ids) and walk it beside
 * the ledger's. The finding names the first point where they part, by `audit:LINE` and `ledger#N`.
 */
export const auditReplayCheck: Check = {
  control: CONTROL,
  section: 'audit',
  title: 'The chain input → decisions → tool calls → side effects, rebuilt from the audit alone, matches the ledger',
  run(ctx) {
    const { ledger, audit } = ctx;
    if (ledger.modelCalls().length === 0 && ledger.tools().length === 0) return [];
    if (audit.records.length === 0)
      return [fail(CONTROL, 'the audit has no valid record: there is no chain to rebuild (see audit.integrity)')];
    const parting = firstParting(ctx);
    if (parting) return [fail(CONTROL, `the audit and the ledger part at ${parting.message}`, parting.evidence)];
    const m = matchAudit(ledger, audit);
    const figures = {
      decisions: ledgerTurns(m).length,
      tool_calls: m.proposals.length,
      side_effects: m.tools.filter((t) => t.entry.executed && t.entry.externalIds.length > 0).length,
      escalations: m.escalations.length,
    };
    return [
      pass(
        CONTROL,
        `rebuilt from the audit alone: the trigger, ${figures.decisions} model decision(s), ${figures.tool_calls} tool call(s), ${figures.side_effects} side effect(s) and ${figures.escalations} escalation(s), as in the ledger`,
        [],
        figures,
      ),
    ];
  },
};

const at = (r: { line: number; record: AuditRecord }) => auditEvidence(r.line, r.record);

function ledgerTurns(m: AuditMatch): ModelEntry[] {
  return m.models.flatMap((x) => (x.entry.proposed.length > 0 && modelAnswered(x.entry) ? [x.entry] : []));
}

/** The audit's decisions: each model.called that is followed by tool.proposed records, in order. */
function auditTurns(audit: AuditLog): AuditTurn[] {
  const turns: AuditTurn[] = [];
  let model: ModelRecord | undefined;
  let current: AuditTurn | undefined;
  for (const l of audit.lines) {
    if (!l.ok) continue;
    if (l.record.type === 'model.called') {
      model = { line: l.line, record: l.record };
      current = undefined;
    } else if (l.record.type === 'tool.proposed') {
      if (!current) {
        current = { model, proposals: [] };
        turns.push(current);
      }
      current.proposals.push({ line: l.line, record: l.record });
    }
  }
  return turns;
}

function firstParting(ctx: CheckContext): Parting | undefined {
  return input(ctx) ?? decisions(ctx) ?? unproposedCalls(ctx) ?? escalations(ctx);
}

function input({ audit, spec }: CheckContext): Parting | undefined {
  const started = audit.lines.find((l) => l.ok && l.record.type === 'run.started');
  if (!started?.ok || started.record.type !== 'run.started') {
    return { message: 'the input: the audit has no run.started, so no trigger to start the chain from', evidence: [] };
  }
  const { id, source } = started.record.trigger;
  if (id === spec.trigger.id && source === spec.trigger.source) return undefined;
  return {
    message: `the input: audit:${started.line} names trigger ${id} from ${source}, but the agent was handed ${spec.trigger.id} from ${spec.trigger.source}`,
    evidence: [at(started)],
  };
}

const list = (calls: readonly { name: string; id: string }[]) => `[${calls.map((c) => `${c.name}(${c.id})`).join(', ')}]`;
const auditList = (turn: AuditTurn) => list(turn.proposals.map((p) => ({ name: p.record.tool, id: p.record.call_id })));

/** What the audit says of each call, and which ledger request each model record tells of: computed once per case. */
interface Views {
  m: AuditMatch;
  byCall: AuditMatch['recordsByCall'];
  requests: AuditMatch['requestsByCall'];
  modelOf: Map<number, ModelEntry>;
}

function decisions(ctx: CheckContext): Parting | undefined {
  const m = matchAudit(ctx.ledger, ctx.audit);
  const views: Views = {
    m,
    byCall: m.recordsByCall,
    requests: m.requestsByCall,
    modelOf: new Map(m.models.flatMap((x) => (x.record ? [[x.record.line, x.entry] as const] : []))),
  };
  const ours = ledgerTurns(m);
  const theirs = auditTurns(ctx.audit);
  for (let i = 0; i < Math.max(ours.length, theirs.length); i++) {
    const model = ours[i];
    const turn = theirs[i];
    if (model && !turn) {
      const last = theirs.at(-1)?.proposals.at(-1);
      return {
        message: `model decision ${i + 1}: ledger#${model.seq} (turn ${model.turn}) proposed ${list(model.proposed)}, but the audit's chain has no decision after ${last ? `audit:${last.line}` : 'its start'}`,
        evidence: [ledgerEvidence(model), ...(last ? [at(last)] : [])],
      };
    }
    if (!model && turn) {
      const first = turn.proposals[0] as Located<'tool.proposed'>;
      return {
        message: `model decision ${i + 1}: audit:${first.line} proposes ${auditList(turn)}, a decision the model never made`,
        evidence: [at(first)],
      };
    }
    if (!model || !turn) continue;
    const parting = decision(i + 1, model, turn, views) ?? calls(views, model, turn);
    if (parting) return parting;
  }
  return undefined;
}

function decision(n: number, model: ModelEntry, turn: AuditTurn, { modelOf }: Views): Parting | undefined {
  const first = turn.proposals[0] as Located<'tool.proposed'>;
  if (!turn.model) {
    return {
      message: `model decision ${n}: audit:${first.line} logs ${auditList(turn)} before any model.called, so the audit does not show which model answer proposed it (ledger#${model.seq}, turn ${model.turn})`,
      evidence: [at(first), ledgerEvidence(model)],
    };
  }
  const told = modelOf.get(turn.model.line);
  if (told && told !== model) {
    return {
      message: `model decision ${n}: ledger#${model.seq} (turn ${model.turn}) proposed ${list(model.proposed)}, but the audit logs ${auditList(turn)} after model.called audit:${turn.model.line}, the record of another model call (ledger#${told.seq}, turn ${told.turn})`,
      evidence: [ledgerEvidence(model), at(turn.model)],
    };
  }
  const logged = new Set(turn.proposals.map((p) => p.record.call_id));
  const missing = model.proposed.find((p) => !logged.has(p.id));
  if (missing) {
    return {
      message: `model decision ${n}: ledger#${model.seq} (turn ${model.turn}) proposed ${list(model.proposed)}, but after model.called audit:${turn.model.line} the audit has ${auditList(turn)}: ${missing.name}(${missing.id}) is not there`,
      evidence: [ledgerEvidence(model), at(turn.model)],
    };
  }
  const proposed = new Set(model.proposed.map((p) => p.id));
  const extra = turn.proposals.find((p) => !proposed.has(p.record.call_id));
  if (extra) {
    return {
      message: `model decision ${n}: audit:${extra.line} puts ${extra.record.tool}(${extra.record.call_id}) after model.called audit:${turn.model.line}, but that answer (ledger#${model.seq}, turn ${model.turn}) proposed ${list(model.proposed)}`,
      evidence: [at(extra), ledgerEvidence(model)],
    };
  }
  return undefined;
}

/** Each call of a decision: what the audit says became of it, against what reached the world. */
function calls({ m, byCall, requests }: Views, model: ModelEntry, turn: AuditTurn): Parting | undefined {
  for (const p of model.proposed) {
    const proposed = turn.proposals.find((r) => r.record.call_id === p.id) as Located<'tool.proposed'>;
    const call = `call ${p.name}(${p.id})`;
    if (proposed.record.tool !== p.name) {
      return {
        message: `${call}: audit:${proposed.line} says the model proposed ${proposed.record.tool} (ledger#${model.seq})`,
        evidence: [at(proposed), ledgerEvidence(model)],
      };
    }
    const args = proposedArgsDifference(proposed.record.args, p);
    if (args)
      return { message: `${call}: audit:${proposed.line}: ${args} (ledger#${model.seq})`, evidence: [at(proposed), ledgerEvidence(model)] };

    const records = byCall.get(p.id) ?? [];
    const sent = requests.get(p.id) ?? [];
    const approval = m.approvals.find((a) => String(a.history.request.request?.callId) === p.id);
    const asked = records.find((r): r is Located<'approval.requested'> => r.record.type === 'approval.requested');
    if (approval && !asked) {
      return {
        message: `${call}: it went to a human (approval ${String(approval.history.request.approvalId)}, ledger#${approval.history.request.seq}), but the audit's chain shows no approval for it`,
        evidence: [ledgerEvidence(approval.history.request), at(proposed)],
      };
    }
    if (asked && !approval) {
      return {
        message: `${call}: audit:${asked.line} says it went to a human (approval ${String(asked.record.approval_id)}), but no such request reached the approval service`,
        evidence: [at(asked)],
      };
    }
    if (approval && asked) {
      const world = approval.history.decisions.at(-1)?.status ?? 'pending';
      const told = approval.decided.at(-1);
      const agrees = told ? told.record.decision === world || (told.record.decision === 'expired' && world === 'pending') : false;
      if (!agrees) {
        return {
          message: `${call}: the approver's last word on approval ${String(asked.record.approval_id)} was "${world}", but the audit's is ${told ? `"${told.record.decision}" (audit:${told.line})` : 'missing'}`,
          evidence: [...(told ? [at(told)] : [at(asked)]), ledgerEvidence(approval.history.request)],
        };
      }
    }

    const executed = records.filter((r): r is Located<'tool.executed'> => r.record.type === 'tool.executed');
    const denied = records.find((r): r is Located<'tool.denied'> => r.record.type === 'tool.denied');
    if (sent.length === 0) {
      const claim = executed[0];
      if (claim) {
        return {
          message: `${call}: audit:${claim.line} says it was executed (status ${claim.record.status}), but no request for it reached a backend`,
          evidence: [at(claim), ledgerEvidence(model)],
        };
      }
      continue;
    }
    const last = sent.at(-1) as (typeof sent)[number];
    const contradiction = denied ? denialContradiction(denied, sent) : undefined;
    if (denied && (contradiction || executed.length === 0)) {
      const request = contradiction?.request.entry ?? last.entry;
      return {
        message: `${call}: ${describeToolCall(request)} reached its backend (${describeAnswer(request)}), but the audit's chain says it was denied (audit:${denied.line}, rule ${denied.record.rule})`,
        evidence: [at(denied), ledgerEvidence(request)],
      };
    }
    if (!last.record) {
      return {
        message: `${call}: ${describeToolCall(last.entry)} reached its backend (${describeAnswer(last.entry)}), but the audit's chain ends at its proposal (audit:${proposed.line}) with no tool.executed for it`,
        evidence: [ledgerEvidence(last.entry), at(proposed)],
      };
    }
    const problem = outcomeProblem(last.entry, last.record);
    if (problem) {
      return {
        message: `${call}: audit:${last.record.line} for ${describeToolCall(last.entry)}: ${problem}`,
        evidence: [at(last.record), ledgerEvidence(last.entry)],
      };
    }
    for (const t of sent) {
      const effect = t.record ? externalIdsProblem(t.entry, t.record) : undefined;
      if (effect && t.record) {
        return {
          message: `the side effect of ${call}: audit:${t.record.line}: ${effect} (ledger#${t.entry.seq})`,
          evidence: [at(t.record), ledgerEvidence(t.entry)],
        };
      }
    }
  }
  return undefined;
}

/** Requests no model answer proposed (the agent acting on its own) are links of the chain too. */
function unproposedCalls({ ledger, audit }: CheckContext): Parting | undefined {
  const m = matchAudit(ledger, audit);
  const proposed = new Set(m.proposals.map((p) => p.proposal.id));
  const alone = m.tools.find((t) => t.required && (t.callId === undefined || !proposed.has(t.callId)) && !t.record);
  if (!alone) return undefined;
  return {
    message: `a call no model answer proposed: ${describeToolCall(alone.entry)} reached its backend, but the audit has no trace of it`,
    evidence: [ledgerEvidence(alone.entry)],
  };
}

function escalations({ ledger, audit }: CheckContext): Parting | undefined {
  const m = matchAudit(ledger, audit);
  const missing = m.escalations.find((e) => !e.record);
  if (missing) {
    return {
      message: `the escalation: ledger#${missing.entry.seq} reached the escalation sink, but the audit's chain ends without an escalated record for it`,
      evidence: [ledgerEvidence(missing.entry)],
    };
  }
  const extra = m.strayEscalations.find((r) => (r.record as { delivered?: unknown }).delivered !== false);
  if (extra) {
    return {
      message: `the escalation: audit:${extra.line} says the run escalated (${extra.record.reason}), but nothing reached the escalation sink`,
      evidence: [at(extra)],
    };
  }
  return undefined;
}
