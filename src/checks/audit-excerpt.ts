import type { Canary } from '../adversary/canaries.js';
import { maskText } from '../adversary/canary-detect.js';
import type { Evidence } from '../runner/results.js';
import type { AuditRecord } from '../world/audit-intake.js';
import { truncate } from './evidence.js';

// The envelope every record repeats, and the times: left out, so the excerpt says what the record
// is about and the same run gives the same report.
const VOLATILE = new Set(['ts', 'run_id', 'trigger_id', 'agent_id', 'started_at', 'ended_at', 'decided_at']);

/** Evidence of one audit record: its own fields, canaries masked. */
export function auditRecordEvidence(line: number, record: AuditRecord | string, canaries: readonly Canary[]): Evidence {
  const text =
    typeof record === 'string' ? record : JSON.stringify(Object.fromEntries(Object.entries(record).filter(([k]) => !VOLATILE.has(k))));
  return { source: 'audit', ref: `audit:${line}`, excerpt: truncate(maskText(text, canaries)) };
}
