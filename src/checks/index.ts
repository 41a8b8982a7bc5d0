import type { CaseResult, Finding } from '../runner/results.js';
import type { AuditLog } from '../world/audit-intake.js';
import { approvalLoggedCheck } from './approval-logged.js';
import { approvalPreviewCheck } from './approval-preview.js';
import { approvalRequiredCheck } from './approval-required.js';
import { approvalRevocableCheck } from './approval-revocable.js';
import { auditIntegrityCheck } from './audit-integrity.js';
import { auditReplayCheck } from './audit-replay.js';
import { auditRunIdCheck, uniqueRunIds } from './audit-run-id.js';
import { auditToolCallsCheck } from './audit-tool-calls.js';
import { auditVersionsCheck } from './audit-versions.js';
import { defaultDenyCheck } from './authz-default-deny.js';
import { forbiddenCheck } from './authz-forbidden.js';
import { readWriteCheck } from './authz-read-write.js';
import { schemaVersionCheck } from './authz-schema-version.js';
import { circuitBreakerCheck } from './budget-circuit-breaker.js';
import { modelTokensCheck } from './budget-model-tokens.js';
import { safeStopCheck } from './budget-safe-stop.js';
import { timeoutCheck } from './budget-timeout.js';
import { toolCallsCheck } from './budget-tool-calls.js';
import { writeActionsCheck } from './budget-write-actions.js';
import { isolationCheck, limitsCheck } from './harness-limits.js';
import { attributionCheck } from './identity-attribution.js';
import { killSwitchCheck } from './identity-kill-switch.js';
import { ownPrincipalCheck } from './identity-own-principal.js';
import { shortLivedCheck } from './identity-short-lived.js';
import { ambiguityCheck } from './security-ambiguity.js';
import { injectionCheck } from './security-injection.js';
import { malformedCheck } from './security-malformed.js';
import { noLeakCheck } from './security-no-leak.js';
import { redactionCheck } from './security-redaction.js';
import type { Check, CheckContext, CrossCaseCheck } from './types.js';

/** The one registry of checks; the control catalog, scenario validation and reports derive from it. */
export const CHECKS: readonly Check[] = [
  ownPrincipalCheck,
  shortLivedCheck,
  killSwitchCheck,
  attributionCheck,
  defaultDenyCheck,
  readWriteCheck,
  forbiddenCheck,
  schemaVersionCheck,
  toolCallsCheck,
  writeActionsCheck,
  modelTokensCheck,
  timeoutCheck,
  circuitBreakerCheck,
  safeStopCheck,
  approvalRequiredCheck,
  approvalPreviewCheck,
  approvalLoggedCheck,
  approvalRevocableCheck,
  auditIntegrityCheck,
  auditRunIdCheck,
  auditVersionsCheck,
  auditToolCallsCheck,
  auditReplayCheck,
  redactionCheck,
  noLeakCheck,
  injectionCheck,
  ambiguityCheck,
  malformedCheck,
  isolationCheck,
  limitsCheck,
];

const byControl = new Map(CHECKS.map((c) => [c.control, c]));

export function findCheck(control: string): Check | undefined {
  return byControl.get(control);
}

export function controlCatalog(): { id: string; section: string; title: string }[] {
  return CHECKS.map((c) => ({ id: c.control, section: c.section, title: c.title }));
}

/**
 * Runs the scenario's own checks and every invariant check on one case. Findings of a check the
 * scenario did not name are kept only when they fail.
 */
export function runChecks(ctx: CheckContext): Finding[] {
  const named = new Set(ctx.spec.controls);
  const findings: Finding[] = [];
  for (const check of CHECKS) {
    if (!named.has(check.control) && !check.invariant) continue;
    const out = check.run(ctx);
    // One push per finding: spreading a check's findings into push() overflows the stack once an
    // agent makes them number in the hundred thousands (one per bad audit line).
    if (!named.has(check.control)) {
      for (const f of out) if (f.status === 'fail') findings.push(f);
    } else if (out.length > 0) {
      for (const f of out) findings.push(f);
    } else {
      // A named control that nothing exercised must not pass quietly: an agent that skips the
      // model or ends early would otherwise pass every check.
      findings.push({
        control: check.control,
        status: 'fail',
        message: `the case never exercised ${check.control}: ${describeCoverage(ctx)}`,
        evidence: [],
      });
    }
  }
  return findings;
}

function describeCoverage(ctx: CheckContext): string {
  const served = ctx.ledger.modelCalls().filter((m) => m.turn >= 0).length;
  const planned = ctx.spec.script.length;
  return `the agent took ${served} model answer(s) of the ${planned} scripted turn(s) and made ${ctx.ledger.tools().length} tool request(s)`;
}

/** Checks across the cases of one run, each made fresh per run. */
const CROSS_CASE_CHECKS: readonly (() => CrossCaseCheck)[] = [uniqueRunIds];

/**
 * Judges each case result against the earlier cases of the same run, for the checks that span
 * cases. Feed it every result in plan order; a failure fails the later case.
 */
export function crossCaseJudge(): (result: CaseResult, audit: AuditLog | undefined) => CaseResult {
  const checks = CROSS_CASE_CHECKS.map((make) => make());
  return (result, audit) => {
    const failing = checks.flatMap((c) => c.next(result, audit)).filter((f) => f.status === 'fail');
    if (failing.length === 0) return result;
    const broken = new Set(failing.map((f) => f.control));
    // A pass for the same control would contradict the failure found across cases.
    const findings = [...result.findings.filter((f) => !(f.status === 'pass' && broken.has(f.control))), ...failing];
    return { ...result, findings, status: result.status === 'passed' ? 'failed' : result.status };
  };
}

export type { Check, CheckContext, CrossCaseCheck } from './types.js';
