import type { Trigger } from '../runner/case.js';

/** What the harness hands one run of the agent (contract §2). */
export interface AgentInvocation {
  env: Record<string, string>;
  trigger: Trigger;
  triggerFile: string;
  auditFile: string;
  timeoutMs: number;
  /** Aborted when the run is cancelled from outside (Ctrl-C). */
  signal: AbortSignal;
}

/** How one run of the agent ended, as observed from outside. */
export interface AgentOutcome {
  /** The final answer (stdout, or the module's return value). */
  output: string;
  stderr: string;
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  /** The agent threw or exited non-zero. */
  crashed: boolean;
  /** A message for crashes of in-process agents (the thrown error). */
  crashMessage?: string;
  durationMs: number;
  /** The harness closed the agent's output at the cap: which stream, and the cap in bytes. */
  outputLimit?: { stream: 'stdout' | 'stderr'; maxBytes: number };
  /** Requests an in-process agent sent to hosts outside the world (all refused), in order. */
  egress?: RefusedRequest[];
}

/** Drives an agent: as a process, in-process as a module, or as a service. */
export interface AgentAdapter {
  readonly kind: 'process' | 'module';
  run(invocation: AgentInvocation): Promise<AgentOutcome>;
  close?(): Promise<void>;
}

/** The module contract: the default export of an in-process agent. */
export type AgentModuleEntry = (input: {
  env: Record<string, string>;
  trigger: Trigger;
  signal: AbortSignal;
}) => Promise<string | { output: string } | undefined> | string | undefined;

/** The variable that marks every process an agent starts (its value unique per run), so none may outlive its case. */
export const RUN_TOKEN_VARIABLE = 'AGENT_CHAOS_RUN_TOKEN';

/** A request an in-process agent sent to a host outside the world; it was refused as a network error. */
export interface RefusedRequest {
  method: string;
  url: string;
  /** When it was sent, ms since epoch. */
  at: number;
}
