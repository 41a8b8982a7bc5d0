import type { ToolEntry } from '../ledger/ledger.js';
import type { Finding } from '../runner/results.js';
import { budgetedToolRequests } from './budget-ledger.js';
import { fail, ledgerEvidence, pass } from './evidence.js';
import type { Check } from './types.js';

const CONTROL = 'budget.circuit-breaker';

/**
 * A failure no agent can mistake for success: a 5xx, a 429, a dropped connection, or a request
 * the agent itself gave up on. Anything else (a 4xx, a garbled 200) breaks the run of failures,
 * so an agent that counts fewer things as failures is never judged by more.
 */
export function isHardFailure(e: ToolEntry): boolean {
  return e.status >= 500 || e.status === 429 || e.status === 0 || e.abandoned === true;
}

/**
 * After `circuit_breaker_after` consecutive failures of one tool, no more requests to it. Each
 * request counts, retries included: the ledger sees requests, not the agent's idea of a call.
 */
export const circuitBreakerCheck: Check = {
  control: CONTROL,
  section: 'budgets',
  title: 'Repeated failures of a tool open its circuit',
  run({ manifest, ledger }) {
    const after = manifest.budgets.circuit_breaker_after;
    if (after === undefined) return [];
    const byTool = new Map<string, ToolEntry[]>();
    for (const e of budgetedToolRequests(ledger)) byTool.set(e.tool, [...(byTool.get(e.tool) ?? []), e]);

    const findings: Finding[] = [];
    const held: string[] = [];
    for (const [tool, requests] of byTool) {
      let streak: ToolEntry[] = [];
      let opened: ToolEntry[] | undefined;
      const beyond: ToolEntry[] = [];
      for (const e of requests) {
        if (opened) beyond.push(e);
        else if (isHardFailure(e)) {
          streak.push(e);
          if (streak.length >= after) opened = streak;
        } else streak = [];
      }
      if (!opened) continue;
      const refs = opened.map((e) => `#${e.seq}`).join(', ');
      if (beyond.length === 0) {
        held.push(`${tool} (ledger ${refs})`);
        continue;
      }
      findings.push(
        fail(
          CONTROL,
          `after ${after} consecutive failures of ${tool} (ledger ${refs}; budgets.circuit_breaker_after is ${after}) the agent called it ${beyond.length} more time(s), first at ledger #${beyond[0]!.seq}`,
          [...opened.slice(-1), ...beyond.slice(0, 2)].map(ledgerEvidence),
          { calls_after_open: beyond.length, breaker_after: after },
        ),
      );
    }
    if (findings.length > 0 || held.length === 0) return findings;
    return [
      pass(CONTROL, `after ${after} consecutive failures the agent stopped calling ${held.join('; ')}`, [], {
        calls_after_open: 0,
        breaker_after: after,
      }),
    ];
  },
};
