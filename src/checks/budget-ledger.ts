import type { Ledger, ModelEntry, ToolEntry } from '../ledger/ledger.js';
import type { CaseSpec } from '../runner/case.js';
import type { AuditLog } from '../world/audit-intake.js';
import { buildCatalog } from '../world/tools/catalog.js';
import { recordsOfType } from './audit-view.js';

// Refused for the bearer: the request never reached a tool (the identity pack judges those).
const BEARER_REFUSALS = new Set<ToolEntry['rejected']>(['missing_token', 'invalid_token', 'token_expired', 'token_revoked']);

/**
 * The tool requests a budget counts: every one that reached a tool, whether it ran, was refused
 * for its arguments or answered with a fault. A retry is a request like any other.
 */
export function budgetedToolRequests(ledger: Ledger): ToolEntry[] {
  return ledger.tools().filter((e) => !BEARER_REFUSALS.has(e.rejected));
}

/** Of those, the ones to tools the world says write. */
export function budgetedWrites(ledger: Ledger): ToolEntry[] {
  return budgetedToolRequests(ledger).filter((e) => e.effect === 'write');
}

/** Model tokens as the world itself reported them, request by request. */
export function reportedTokens(e: ModelEntry): number {
  return e.usage ? e.usage.input_tokens + e.usage.output_tokens : 0;
}

/** The tool calls the model proposed to tools that write, in order. */
export function writeProposals(ledger: Ledger, spec: CaseSpec): ReturnType<Ledger['proposals']> {
  // The case's tools already hold the manifest's custom ones.
  const catalog = buildCatalog(spec.tools);
  return ledger.proposals().filter((p) => catalog.get(p.name)?.effect === 'write');
}

/** The n-th (1-based) of a list, for messages: "the 13th". */
export function ordinal(n: number): string {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
}

/** The model's answers actually served (a script turn played). */
export function servedTurns(ledger: Ledger): ModelEntry[] {
  return ledger.modelCalls().filter((m) => m.turn >= 0);
}

/**
 * The budget the agent says stopped the run, when it stopped before the model asked past this
 * one: the cap under test was not reached, but for a reason the run can name.
 */
export function stoppedByOtherBudget(audit: AuditLog, budget: string): string | undefined {
  return recordsOfType(audit, 'budget.exceeded').find((r) => r.record.budget !== budget)?.record.budget;
}
