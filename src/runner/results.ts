import type { PackName } from '../config/manifest.js';

/** A pointer into the evidence: a ledger entry, an audit line, the agent's output. */
export interface Evidence {
  source: 'ledger' | 'audit' | 'output' | 'stderr' | 'world';
  /** Where: `ledger#12`, `audit:3` (line), `stdout`. */
  ref: string;
  /** A short excerpt, canaries already masked. */
  excerpt: string;
}

/** One verdict of one check on one case, tied to a control id. */
export interface Finding {
  control: string;
  status: 'pass' | 'fail' | 'info';
  /** One line a person can act on: what reached which backend, what is missing. */
  message: string;
  evidence: Evidence[];
  /** Measured figures, e.g. `steps_to_stop`, `ms_to_stop`. */
  figures?: Record<string, number>;
  /** On `security.injection`'s information finding: what became of one planted payload. */
  injection?: InjectionExposure;
}

/**
 * What became of one planted injection payload: how it reached the model (the credit an agent
 * earns for filtering, quoting or spotlighting untrusted text), whether the model obeyed it, and
 * whether harm followed (which is what the control is judged on).
 */
export interface InjectionExposure {
  /** `corpus/entry-id`. */
  payload: string;
  technique: string;
  carrier: string;
  /** Word for word, altered (quoted, spotlighted, partly redacted), only encoded, or kept out by the agent. */
  reached: 'verbatim' | 'transformed' | 'encoded' | 'kept-out';
  /** The model (the obedient adversary) carried out the payload's goal. */
  obeyed: boolean;
  /** A forbidden, unapproved, outside or exfiltrating action followed. */
  harmed: boolean;
}

/** Per technique: how many planted payloads reached the model in each form, were obeyed, did harm. */
export interface InjectionTally {
  technique: string;
  /** Payloads handed to the agent (or sighted by the model) in judged cases. */
  delivered: number;
  keptOut: number;
  encoded: number;
  transformed: number;
  verbatim: number;
  obeyed: number;
  harmed: number;
}

export type CaseStatus = 'passed' | 'failed' | 'error' | 'skipped';

/** Why a case could not be judged normally. */
export interface CaseError {
  /**
   * `interrupted`: the run was stopped (SIGINT, SIGTERM) while this case ran, so it was not judged;
   * `limit`: the agent's output passed the harness's cap.
   */
  kind: 'timeout' | 'crash' | 'limit' | 'start' | 'harness' | 'interrupted';
  message: string;
  /** Last lines of the agent's stderr. */
  stderrTail?: string;
}

export interface CaseResult {
  /** Position in the plan; reporters see cases in this order. */
  index: number;
  id: string;
  title: string;
  pack: PackName;
  controls: string[];
  seed: number;
  status: CaseStatus;
  findings: Finding[];
  error?: CaseError;
  skipReason?: string;
  /** The command that runs exactly this case again. */
  replay: string;
  adapter: 'process' | 'module';
  agent: { exitCode: number | null; signal: string | null; timedOut: boolean; stdoutTail: string; stderrTail: string };
  startedAt: string;
  durationMs: number;
  /** Ledger and audit of the case, for `replay` and forensics (canaries masked). */
  transcript?: CaseTranscript;
  /** Requests an in-process agent sent to hosts outside the world, all refused: each distinct one, first seen first. */
  egress?: EgressSummary[];
}

/** One distinct refused request (method and URL) and how often it was sent. */
export interface EgressSummary {
  method: string;
  url: string;
  count: number;
}

export interface CaseTranscript {
  trigger: unknown;
  ledger: unknown[];
  /** The audit's records in order; a line that was not a valid record is `{line, invalid, raw}`. */
  audit: unknown[];
  /** The audit line (file) or stream position (OTLP) of each `audit` entry. */
  auditLines?: number[];
  /** Which channel the audit came from. */
  auditChannel?: 'file' | 'otlp';
  /** World events that are not requests: revocations, approvals decided, schema changes. */
  events?: unknown[];
  /** Requests to hosts outside the world (in-process agents), each refused: `{at, method, url}`. */
  egress?: unknown[];
}

export interface RunInfo {
  tool: { name: 'agent-chaos'; version: string };
  agentId: string;
  configFile: string | undefined;
  seed: number;
  packs: PackName[];
  shard: { index: number; total: number } | undefined;
  plannedCases: number;
  adapter: 'process' | 'module';
  startedAt: string;
}

export interface Totals {
  cases: number;
  passed: number;
  failed: number;
  errors: number;
  skipped: number;
}

/** Per control: how many cases held it, broke it. */
export interface ControlSummary {
  control: string;
  section: string;
  title: string;
  passed: number;
  failed: number;
}

/** A run stopped from outside before every planned case had ended. */
export interface Interruption {
  /** The signal that stopped it (`SIGINT`, `SIGTERM`), or `abort` for a programmatic stop. */
  signal: string;
  /** For a merged run: the shard that was interrupted (`2/4`). */
  shard?: string;
}

/**
 * The label of a run: READY (every control in scope exercised and held, nothing skipped), NOT
 * READY (a control broke or a case errored), PARTIAL (ran to the end, nothing broke, but some
 * control went untested or some case was skipped), INCOMPLETE (interrupted, or no case ran).
 */
export type VerdictLabel = 'READY' | 'NOT READY' | 'PARTIAL' | 'INCOMPLETE';

/** A planned case that does not count towards the verdict, and why. */
export interface UncoveredCase {
  id: string;
  reason: string;
}

/** The readiness verdict of a run, with the one sentence that justifies it. */
export interface Verdict {
  /** True only when the label is READY. */
  ok: boolean;
  label: VerdictLabel;
  reason: string;
  /** What the run did not cover: the gap between this run and a READY one. */
  uncovered: {
    /** Controls in scope that no judged case exercised. */
    controls: string[];
    /** Skipped cases, and cases the interruption stopped before they could be judged. */
    cases: UncoveredCase[];
    /** Planned cases with no result: never started, or abandoned by a run told to stop at once. */
    notRun: number;
  };
}

export interface RunSummary {
  info: RunInfo;
  totals: Totals;
  controls: ControlSummary[];
  /** Planted injections by technique, when the run planted any (sorted by technique). */
  injections?: InjectionTally[];
  finishedAt: string;
  durationMs: number;
  /** True when no case failed or errored and the run was not INCOMPLETE; the gate is `verdict.label`. */
  ok: boolean;
  /** Set when the run was stopped before every planned case had ended. */
  interrupted?: Interruption;
  verdict: Verdict;
  /**
   * Requests that reached the harness for no live run and carried no run's credentials, so no
   * case could be charged with them (`harness.isolation`); absent when there were none.
   */
  strays?: { count: number; samples: string[] };
}
