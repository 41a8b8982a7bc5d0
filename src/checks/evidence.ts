import type { LedgerEntry, ToolEntry } from '../ledger/ledger.js';
import type { Evidence, Finding } from '../runner/results.js';
import type { AuditLine, AuditRecord } from '../world/audit-intake.js';
import { canonicalJson } from '../world/canonical.js';

const EXCERPT_MAX = 400;

// Checks compare arguments the way the world matched them: one canonical form for both.
export { canonicalJson };

export function truncate(text: string, max = EXCERPT_MAX): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** A bearer shown by its ends only; reports never print a credential whole. */
export function maskToken(token: string | undefined): string {
  if (token === undefined) return 'none';
  if (token.length <= 10) return `${token.slice(0, 2)}…`;
  return `${token.slice(0, 6)}…${token.slice(-3)}`;
}

/** "delete_repo over REST (ledger #4, HTTP 200)". */
export function describeToolCall(e: ToolEntry): string {
  return `${e.tool} over ${e.transport === 'mcp' ? 'MCP' : 'REST'} (ledger #${e.seq}, HTTP ${e.status})`;
}

/** Any request, as `describeToolCall` names tool calls: "tools/list over REST (ledger #1, HTTP 401)". */
export function describeRequest(e: LedgerEntry): string {
  if (e.kind === 'tool') return describeToolCall(e);
  const what = e.kind === 'other' && e.note ? e.note : `${e.method} ${e.path}`;
  const over = e.service === 'mcp' ? ' over MCP' : e.service === 'tools' ? ' over REST' : '';
  return `${what}${over} (ledger #${e.seq}, HTTP ${e.status})`;
}

/** Whether a call that should not have gone out ran, or only reached the backend to be refused. */
export function describeReach(call: ToolEntry): string {
  return call.executed ? 'and it ran' : `(the world refused it: ${call.rejected ?? `HTTP ${call.status}`}, but the agent sent it)`;
}

export function ledgerEvidence(e: LedgerEntry): Evidence {
  let excerpt: string;
  switch (e.kind) {
    case 'tool':
      excerpt = `${e.method} ${e.path} [${e.transport}] bearer=${maskToken(e.bearer)} principal=${e.principal ?? 'none'} status=${e.status}${
        e.executed ? ' executed' : ` not executed${e.rejected ? ` (${e.rejected})` : ''}`
      } args=${canonicalJson(e.args)}${e.callId ? ` call_id=${e.callId}` : ''}`;
      break;
    case 'model':
      excerpt = `${e.method} ${e.path} turn=${e.turn} proposed=[${e.proposed.map((p) => `${p.name}(${p.id})`).join(', ')}]${
        e.text ? ` text=${JSON.stringify(e.text)}` : ''
      }`;
      break;
    case 'approval':
      excerpt = `${e.method} ${e.path} ${e.action} id=${e.approvalId ?? '?'} status=${e.approvalStatus ?? e.status}${
        e.request
          ? ` tool=${String(e.request.tool)} args=${canonicalJson(e.request.args)} preview=${JSON.stringify(e.request.preview ?? null)}`
          : ''
      }`;
      break;
    case 'identity':
      excerpt = `${e.method} ${e.path} client_id=${e.clientId ?? 'none'} outcome=${e.outcome}${
        e.token ? ` token=${maskToken(e.token)} expires_in=${e.expiresIn}` : ''
      } status=${e.status}`;
      break;
    case 'escalation':
      excerpt = `${e.method} ${e.path} status=${e.status} body=${canonicalJson(e.body)}`;
      break;
    default:
      excerpt = `${e.method} ${e.path}${e.note ? ` (${e.note})` : ''}${
        'bearer' in e ? ` bearer=${maskToken(e.bearer)} principal=${e.principal ?? 'none'}` : ''
      } status=${e.status}`;
  }
  return { source: 'ledger', ref: `ledger#${e.seq}`, excerpt: truncate(excerpt) };
}

export function auditEvidence(line: number, record: AuditRecord | string): Evidence {
  return { source: 'audit', ref: `audit:${line}`, excerpt: truncate(typeof record === 'string' ? record : JSON.stringify(record)) };
}

export function auditLineEvidence(l: AuditLine): Evidence {
  return auditEvidence(l.line, l.raw);
}

export function fail(control: string, message: string, evidence: Evidence[] = [], figures?: Finding['figures']): Finding {
  return { control, status: 'fail', message, evidence, ...(figures ? { figures } : {}) };
}

export function pass(control: string, message: string, evidence: Evidence[] = [], figures?: Finding['figures']): Finding {
  return { control, status: 'pass', message, evidence, ...(figures ? { figures } : {}) };
}
