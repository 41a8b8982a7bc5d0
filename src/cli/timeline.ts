import { printable } from '../../reporters/format.js';
import { matchAudit } from '../checks/audit-match.js';
import { canonicalJson, truncate } from '../checks/evidence.js';
import type { LedgerEntry, ModelEntry, ToolEntry, WorldEvent } from '../ledger/ledger.js';
import { Ledger } from '../ledger/ledger.js';
import type { CaseResult } from '../runner/results.js';
import { type AuditLine, type AuditLog, type AuditRecord, auditLine, auditLog, modelLabel } from '../world/audit-intake.js';

/** One line of the timeline: when, what kind of link, what happened, and where it is recorded. */
interface Step {
  at: number;
  /** Ledger steps before audit-only steps at the same instant; then their own order. */
  source: 0 | 1;
  order: number;
  kind: string;
  text: string;
  refs: string[];
}

const ARGS_MAX = 70;
const TEXT_MAX = 90;

/**
 * One case's chain as a readable timeline, from its transcript in a JSON report: the trigger,
 * each model turn, each tool call with the agent's decision about it, faults, approvals,
 * escalations, world events (a revocation) and the end, each with its `ledger#N` / `audit:LINE`.
 */
export function renderTimeline(result: CaseResult): string {
  const transcript = result.transcript;
  if (!transcript) return '';
  const ledger = new Ledger();
  // Element by element: a flooded run's ledger is too long to spread into one call.
  for (const e of transcript.ledger as LedgerEntry[]) ledger.entries.push(e);
  for (const e of (transcript.events ?? []) as WorldEvent[]) ledger.events.push(e);
  const audit = rebuildAudit(transcript.audit, transcript.auditLines, transcript.auditChannel ?? 'file');
  const trigger = (transcript.trigger ?? {}) as Record<string, unknown>;
  const origin = Date.parse(String(trigger.received_at ?? '')) || (ledger.entries[0]?.startedAt ?? 0);

  const steps: Step[] = [];
  const add = (at: number, source: 0 | 1, kind: string, text: string, refs: string[]) =>
    steps.push({ at, source, order: steps.length, kind, text, refs });

  add(origin, 0, 'trigger', `${String(trigger.id)} from ${String(trigger.source)} (${String(trigger.kind)}): ${quote(trigger.text)}`, []);
  ledgerSteps(ledger, audit, add);
  auditSteps(audit, ledger, add);
  for (const e of ledger.events) {
    if (e.type === 'approval.decided') continue; // shown at the poll that revealed it
    if (e.type === 'world.closed') continue; // the harness tearing the world down, after the agent's end
    add(e.at, 0, 'world', `${e.type} ${truncate(canonicalJson(e.detail), ARGS_MAX)}`, []);
  }
  steps.sort((a, b) => a.at - b.at || a.source - b.source || a.order - b.order);

  const header = [
    `${result.id} — ${result.title}`,
    `${result.status} · seed ${result.seed} · ${result.adapter} adapter · audit via ${audit.channel === 'otlp' ? 'OTLP traces' : 'file'}`,
    `replay: ${result.replay}`,
    '',
  ];
  const width = steps.reduce((w, s) => Math.max(w, formatOffset(s.at - origin).length), 0);
  const body = steps.map((s) => {
    const refs = s.refs.length > 0 ? `  [${s.refs.join(' ')}]` : '';
    return `  ${formatOffset(s.at - origin).padStart(width)}  ${s.kind.padEnd(10)} ${printable(s.text)}${refs}`;
  });
  const findings = result.findings.map(
    (f) => `  ${f.status === 'fail' ? '✗' : f.status === 'pass' ? '✓' : 'i'} ${f.control}: ${printable(f.message)}`,
  );
  const error = result.error ? [`  ! ${result.error.kind}: ${printable(result.error.message)}`] : [];
  return [...header, ...body, '', 'findings:', ...findings, ...error, ''].join('\n');
}

type Add = (at: number, source: 0 | 1, kind: string, text: string, refs: string[]) => void;

function ledgerSteps(ledger: Ledger, audit: AuditLog, add: Add): void {
  const m = matchAudit(ledger, audit);
  const modelRecord = new Map(m.models.map((x) => [x.entry, x.record]));
  const toolMatch = new Map(m.tools.map((x) => [x.entry, x]));
  const escalationRecord = new Map(m.escalations.map((x) => [x.entry, x.record]));
  const requested = new Map(m.approvals.map((a) => [a.history.request, a]));
  const shown = new Map<string, string>();

  for (const e of ledger.entries) {
    const ref = `ledger#${e.seq}`;
    switch (e.kind) {
      case 'model': {
        if (e.api === 'models') break;
        const record = modelRecord.get(e);
        add(e.startedAt, 0, e.fault ? 'fault' : 'model', describeModel(e), [ref, record ? `audit:${record.line}` : 'not in the audit']);
        break;
      }
      case 'tool': {
        const t = toolMatch.get(e);
        const told = t?.record
          ? `audit: executed ${t.record.record.status}`
          : t?.required
            ? 'audit: no tool.executed'
            : 'audit: folded into the retry';
        add(e.startedAt, 0, e.fault ? 'fault' : 'tool', `${describeTool(e, t?.callId)} · ${told}`, [
          ref,
          ...(t?.record ? [`audit:${t.record.line}`] : []),
        ]);
        break;
      }
      case 'approval': {
        if (e.action === 'request') {
          const a = requested.get(e);
          const req = e.request;
          add(
            e.startedAt,
            0,
            'approval',
            `${String(req?.tool)}(${String(req?.callId)}) asks a human: ${e.approvalId ?? `refused (HTTP ${e.status})`}, preview ${quote(req?.preview)}`,
            [ref, ...(a?.requested ? [`audit:${a.requested.line}`] : [])],
          );
        } else if (e.approvalId && e.approvalStatus && e.approvalStatus !== shown.get(e.approvalId) && e.approvalStatus !== 'pending') {
          shown.set(e.approvalId, e.approvalStatus);
          const decided = m.approvals
            .find((a) => a.history.request.approvalId === e.approvalId)
            ?.decided.find((d) => d.record.decision === e.approvalStatus);
          const who = ledger.events.find((ev) => ev.type === 'approval.decided' && ev.detail.approval_id === e.approvalId)?.detail.approver;
          add(e.startedAt, 0, 'approval', `${e.approvalId} ${e.approvalStatus}${who ? ` by ${String(who)}` : ''}`, [
            ref,
            ...(decided ? [`audit:${decided.line}`] : []),
          ]);
        }
        break;
      }
      case 'escalation': {
        const body = (e.body ?? {}) as { reason?: unknown; summary?: unknown };
        const record = escalationRecord.get(e);
        add(e.startedAt, 0, 'escalation', `${String(body.reason)}: ${quote(body.summary)} (HTTP ${e.status})`, [
          ref,
          record ? `audit:${record.line}` : 'not in the audit',
        ]);
        break;
      }
      case 'identity':
        if (e.outcome !== 'issued') add(e.startedAt, 0, 'identity', `token refused: ${e.outcome}`, [ref]);
        break;
      default:
        if (e.service === 'unhandled') add(e.startedAt, 0, 'unhandled', `${e.method} ${e.path}: no such endpoint`, [ref]);
    }
  }
}

/** What only the agent knows: its start, its denials, budget stops, the end. */
function auditSteps(audit: AuditLog, ledger: Ledger, add: Add): void {
  const worldDecided = new Set(
    ledger.events.filter((e) => e.type === 'approval.decided').map((e) => `${String(e.detail.approval_id)}/${String(e.detail.decision)}`),
  );
  for (const l of audit.lines) {
    const at = l.ok ? Date.parse(l.record.ts) : Number.NaN;
    const ref = [`audit:${l.line}`];
    if (!l.ok) {
      add(Number.isNaN(at) ? Number.MAX_SAFE_INTEGER : at, 1, 'invalid', `audit line ${l.line}: ${l.problem}`, ref);
      continue;
    }
    const r = l.record;
    const text = auditText(r, worldDecided);
    if (text) add(at, 1, text.kind, text.text, ref);
  }
}

function auditText(r: AuditRecord, worldDecided: ReadonlySet<string>): { kind: string; text: string } | undefined {
  switch (r.type) {
    case 'run.started':
      return {
        kind: 'start',
        text: `run ${r.run_id} · model ${modelLabel(r.model)} · instructions ${r.instructions_version} · tool schema ${r.tool_schema_version}`,
      };
    case 'tool.denied':
      return { kind: 'denied', text: `${r.tool}(${r.call_id}) by rule ${r.rule}: ${r.reason}` };
    case 'approval.decided':
      // Decisions the world made are shown where the world made them; this is the agent's own.
      return worldDecided.has(`${String(r.approval_id)}/${r.decision}`)
        ? undefined
        : { kind: 'approval', text: `${String(r.approval_id)} ${r.decision} (the agent's own decision)` };
    case 'budget.exceeded':
      return { kind: 'budget', text: `${r.budget} exceeded: ${r.used} used, limit ${r.limit}` };
    case 'run.ended':
      return { kind: 'end', text: `${r.status}${r.reason ? ` (${r.reason})` : ''}` };
    default:
      return undefined;
  }
}

function describeModel(e: ModelEntry): string {
  const how = `${e.api}${e.stream ? ', streamed' : ''}`;
  if (e.turn < 0) return `call refused (${how}): ${e.rejected ?? e.fault ?? `HTTP ${e.status}`}`;
  const fault = e.fault ? ` · fault "${e.fault}"` : '';
  if (e.proposed.length === 0) return `turn ${e.turn} (${how}) answers ${quote(e.text)}${fault}`;
  return `turn ${e.turn} (${how}) proposes ${e.proposed.map((p) => `${p.name}(${p.id})`).join(', ')}${fault}`;
}

function describeTool(e: ToolEntry, callId: string | undefined): string {
  const outcome = e.rejected
    ? `refused: ${e.rejected}`
    : e.fault
      ? `fault "${e.fault}"`
      : e.executed
        ? `ran${e.externalIds.length > 0 ? `, created ${e.externalIds.join(', ')}` : ''}`
        : `refused${e.error ? `: ${e.error}` : ''}`;
  const status = e.status === 0 ? 'no answer' : `HTTP ${e.status}`;
  return `${e.tool}(${callId ?? 'no call id'}) over ${e.transport === 'mcp' ? 'MCP' : 'REST'} ${truncate(canonicalJson(e.args), ARGS_MAX)} → ${status}, ${outcome}`;
}

function quote(text: unknown): string {
  if (text === undefined || text === null) return '—';
  const s = typeof text === 'string' ? text : canonicalJson(text);
  return JSON.stringify(truncate(s.replace(/\s+/g, ' ').trim(), TEXT_MAX));
}

function formatOffset(ms: number): string {
  return Number.isFinite(ms) ? `+${Math.max(0, Math.round(ms))}ms` : '';
}

/** The audit as the checks saw it, from a transcript's records and their line numbers. */
function rebuildAudit(entries: unknown[], lineNumbers: number[] | undefined, channel: 'file' | 'otlp'): AuditLog {
  const lines: AuditLine[] = entries.map((value, i) => {
    const line = lineNumbers?.[i] ?? i + 1;
    const bad = value as { invalid?: unknown; raw?: unknown; line?: unknown };
    if (typeof bad?.invalid === 'string') return { line, ok: false, problem: bad.invalid, raw: String(bad.raw ?? '') };
    return auditLine(value, line, JSON.stringify(value));
  });
  return auditLog(lines, channel);
}
