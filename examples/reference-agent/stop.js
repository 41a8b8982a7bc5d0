// @ts-check
// A deliberate end of the run (a guard tripped, the world said stop), as opposed to a crash.
// Thrown from deep inside the loop; the run catches it, escalates if asked, and ends cleanly.

export class RunStop extends Error {
  /**
   * @param {{ status: 'stopped' | 'failed', reason: string, summary: string,
   *   escalate?: string }} details  `escalate` is the escalation reason, when there must be one
   */
  constructor({ status, reason, summary, escalate }) {
    super(summary);
    this.name = 'RunStop';
    this.status = status;
    this.reason = reason;
    this.summary = summary;
    this.escalate = escalate;
  }
}

/** @param {string} summary */
export const killSwitch = (summary) => new RunStop({ status: 'stopped', reason: 'kill-switch', summary, escalate: 'kill-switch' });

/**
 * Records the overrun and returns the stop to throw: a budget cap always ends the run safely.
 * @param {import('./audit.js').AuditWrite} audit
 * @param {{ budget: string, limit: number, used: number }} hit
 */
export async function budgetStop(audit, hit) {
  await audit('budget.exceeded', hit);
  return new RunStop({
    status: 'stopped',
    reason: `budget:${hit.budget}`,
    summary: `${hit.budget} budget exceeded (${hit.used} used, limit ${hit.limit})`,
    escalate: 'budget',
  });
}

/**
 * The run went over run_timeout_ms: a budget like the others.
 * @param {{ audit: import('./audit.js').AuditWrite, startedAt: number, policy: import('./policy.js').Policy }} ctx
 */
export function wallTimeStop(ctx) {
  return budgetStop(ctx.audit, { budget: 'wall_time', limit: ctx.policy.budgets.runTimeoutMs, used: Date.now() - ctx.startedAt });
}

/**
 * Checked between steps, so a run never starts a new step past its wall time.
 * @param {Parameters<typeof wallTimeStop>[0]} ctx
 */
export async function checkWallTime(ctx) {
  if (Date.now() - ctx.startedAt >= ctx.policy.budgets.runTimeoutMs) throw await wallTimeStop(ctx);
}
