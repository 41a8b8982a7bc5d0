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
