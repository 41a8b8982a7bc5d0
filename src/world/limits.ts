import type { Manifest } from '../config/manifest.js';

/**
 * What one case may cost the harness (`run.limits` in the manifest). Every default is far above
 * what a sound agent needs, so only a runaway or hostile agent ever meets one; a case that does
 * fails `harness.limits`, and its neighbours, sharing the host, keep their verdicts.
 */
export interface CaseLimits {
  /** Bytes of the JSONL audit read; the rest is left unread. */
  auditMaxBytes: number;
  /** Audit lines read (blank lines included); the rest is left unread. */
  auditMaxLines: number;
  /** Bytes of one request body; a larger one is answered 413 unread. */
  requestBodyMaxBytes: number;
  /** Requests one world answers in any one second; the excess is answered 429. */
  requestsPerSecond: number;
  /** Requests one world answers in the whole case; the excess is answered 429. */
  requestsPerCase: number;
}

export const DEFAULT_LIMITS: Readonly<CaseLimits> = Object.freeze({
  auditMaxBytes: 16 * 1024 * 1024,
  auditMaxLines: 50_000,
  requestBodyMaxBytes: 16 * 1024 * 1024,
  requestsPerSecond: 100,
  requestsPerCase: 5_000,
});

/** The manifest's limits over the defaults. */
export function caseLimits(manifest: Pick<Manifest, 'run'>): CaseLimits {
  const set = manifest.run?.limits ?? {};
  return {
    auditMaxBytes: set.audit_max_bytes ?? DEFAULT_LIMITS.auditMaxBytes,
    auditMaxLines: set.audit_max_lines ?? DEFAULT_LIMITS.auditMaxLines,
    requestBodyMaxBytes: set.request_body_max_bytes ?? DEFAULT_LIMITS.requestBodyMaxBytes,
    requestsPerSecond: set.requests_per_second ?? DEFAULT_LIMITS.requestsPerSecond,
    requestsPerCase: set.requests_per_case ?? DEFAULT_LIMITS.requestsPerCase,
  };
}

/** The manifest key of each limit, for messages that say what to change. */
export const LIMIT_KEYS: Record<keyof CaseLimits, string> = {
  auditMaxBytes: 'run.limits.audit_max_bytes',
  auditMaxLines: 'run.limits.audit_max_lines',
  requestBodyMaxBytes: 'run.limits.request_body_max_bytes',
  requestsPerSecond: 'run.limits.requests_per_second',
  requestsPerCase: 'run.limits.requests_per_case',
};
