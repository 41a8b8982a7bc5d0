import type { AgentOutcome } from '../agents/types.js';
import type { Manifest, PackName } from '../config/manifest.js';
import type { Ledger } from '../ledger/ledger.js';
import type { CaseSpec } from '../runner/case.js';
import type { CaseResult, Finding } from '../runner/results.js';
import type { AuditLog } from '../world/audit-intake.js';

/** Everything a check may look at for one case. Checks are pure: same context, same findings. */
export interface CheckContext {
  spec: CaseSpec;
  manifest: Manifest;
  ledger: Ledger;
  audit: AuditLog;
  agent: AgentOutcome;
  /** What the world issued this run, to tell the agent's own credentials from others. */
  world: { clientId: string; modelKey: string; baseUrl: string };
  /**
   * The run's wall-clock window, ms since epoch: from the trigger's receipt to the audit being
   * read. Nothing the agent did can lie outside it.
   */
  window?: { startedAt: number; endedAt: number };
}

/** One control, made testable. */
export interface Check {
  control: string;
  /** The pack it belongs to, or `harness`: guards of the harness itself, in no pack, shown only when broken. */
  section: PackName | 'harness';
  title: string;
  /**
   * Ground-truth rules no scenario may break (e.g. a forbidden call reaching its backend).
   * Invariant checks run on every case; where the scenario did not name them, only their
   * failures are reported, so a broken guard is caught wherever it shows.
   */
  invariant?: boolean;
  /** Findings for this case; none means "not applicable here". */
  run(ctx: CheckContext): Finding[];
}

/**
 * A check across the cases of one run (e.g. run ids unique across runs). It is fed every result
 * in plan order, never completion order, so its verdicts are deterministic.
 */
export interface CrossCaseCheck {
  control: string;
  /** Findings for this case given the cases before it; the check keeps its own state. */
  next(result: CaseResult, audit: AuditLog | undefined): Finding[];
}
