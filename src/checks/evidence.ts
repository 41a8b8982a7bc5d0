import type { LedgerEntry, ToolEntry } from '../ledger/ledger.js';
import type { Evidence, Finding } from '../runner/results.js';
import type { AuditLine, AuditRecord } from '../world/audit-intake.js';

const EXCERPT_MAX = 400;

/** JSON with sorted keys, so equal values compare equal as strings. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value as object)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

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
        e.request ? ` tool=${String(e.request.tool)} args=${canonicalJson(e.request.args)}` : ''
      }`;
      break;
    default:
      excerpt = `${e.method} ${e.path} status=${e.status}`;
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
