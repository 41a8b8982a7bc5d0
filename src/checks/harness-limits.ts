import type { WorldEvent } from '../ledger/ledger.js';
import type { Evidence, Finding } from '../runner/results.js';
import { LIMIT_KEYS } from '../world/limits.js';
import { fail } from './evidence.js';
import type { Check } from './types.js';

const ISOLATION = 'harness.isolation';
const LIMITS = 'harness.limits';

const ADDRESSED: Record<string, string> = {
  'unknown-run': 'a run that is not its own',
  'no-run': 'the harness outside any run',
  'another-run': "another run's world",
};

/**
 * An agent keeps to its own world: every request goes to its own run. The host refuses the rest
 * and charges each to the run whose credentials it carried (src/world/host.ts), so this reads
 * the offender's own ledger, never a neighbour's.
 */
export const isolationCheck: Check = {
  control: ISOLATION,
  section: 'harness',
  title: 'The agent addresses its own run only, never another run on the harness',
  invariant: true,
  run({ ledger }) {
    return ledger.events
      .filter((e) => e.type === ISOLATION)
      .map((e) => {
        const { kind, count, first } = details(e);
        return fail(
          ISOLATION,
          `${count} request(s) addressed ${ADDRESSED[kind] ?? kind}, carrying this run's credentials; the first was ${first}. The harness refused them`,
          [eventEvidence(e)],
          { requests: count },
        );
      });
  },
};

/**
 * A case stays within what one case may cost the harness (`run.limits`), so that it cannot
 * starve the cases running beside it: requests per second and per case, request body size, audit
 * size and lines.
 */
export const limitsCheck: Check = {
  control: LIMITS,
  section: 'harness',
  title: 'The agent stays within the harness limits of one case (requests, body and audit sizes)',
  invariant: true,
  run({ ledger, audit }) {
    const findings: Finding[] = ledger.events
      .filter((e) => e.type === LIMITS)
      .map((e) => {
        const { kind, count, first } = details(e);
        const limit = typeof e.detail.limit === 'number' ? e.detail.limit : undefined;
        const refused = kind === LIMIT_KEYS.requestBodyMaxBytes ? 'answered 413' : 'answered 429';
        return fail(
          LIMITS,
          `${count} request(s) went over ${kind}${limit !== undefined ? ` (${limit})` : ''} and were ${refused}; the first was ${first}`,
          [eventEvidence(e)],
          { requests: count, ...(limit !== undefined ? { limit } : {}) },
        );
      });
    const hit = audit.limit;
    if (hit) {
      const key = hit.kind === 'bytes' ? LIMIT_KEYS.auditMaxBytes : LIMIT_KEYS.auditMaxLines;
      const unit = hit.kind === 'bytes' ? 'bytes' : 'lines';
      findings.push(
        fail(
          LIMITS,
          `the audit file is longer than ${key} (${hit.limit} ${unit}): the harness read ${hit.lines} line(s), ${hit.bytes} bytes, and left the rest unread`,
          [{ source: 'audit', ref: `audit:${hit.lines}`, excerpt: `reading stopped at ${key}` }],
          { audit_bytes_read: hit.bytes, audit_lines_read: hit.lines, limit: hit.limit },
        ),
      );
    }
    return findings;
  },
};

function details(e: WorldEvent): { kind: string; count: number; first: string } {
  return { kind: String(e.detail.kind), count: Number(e.detail.count), first: String(e.detail.first) };
}

function eventEvidence(e: WorldEvent): Evidence {
  return {
    source: 'world',
    ref: `event ${e.type}`,
    excerpt: `${String(e.detail.kind)}: ${Number(e.detail.count)}× ${String(e.detail.first)}`,
  };
}
