import type { Ledger } from '../ledger/ledger.js';
import { type AuditLog, readAuditFile } from './audit-intake.js';
import { type CaseLimits, DEFAULT_LIMITS } from './limits.js';
import { auditFromOtlp, otlpExports } from './otlp-audit.js';

/**
 * The run's audit from whichever channel the agent used: the JSONL file when it wrote one with
 * at least one line (or more than the limits let be read), else the records mapped from its OTLP
 * trace exports, else the (missing or empty) file.
 */
export async function readRunAudit(
  file: string,
  ledger: Ledger,
  limits: Pick<CaseLimits, 'auditMaxBytes' | 'auditMaxLines'> = DEFAULT_LIMITS,
): Promise<AuditLog> {
  const fromFile = await readAuditFile(file, { maxBytes: limits.auditMaxBytes, maxLines: limits.auditMaxLines });
  // A line of the agent's own (set aside) still says the agent chose the file.
  if (fromFile.lines.length > 0 || fromFile.limit || (fromFile.ownRecords?.length ?? 0) > 0) return fromFile;
  const exports = otlpExports(ledger);
  return exports.length > 0 ? auditFromOtlp(exports) : fromFile;
}
