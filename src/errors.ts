/**
 * Every error the harness raises on purpose. Each has a stable `code`; the CLI maps
 * user mistakes (config, usage) to exit 2 with a one-line message and no stack trace.
 */
export type ErrorCode = 'E_CONFIG' | 'E_USAGE' | 'E_HARNESS' | 'E_AGENT_START';

export abstract class AgentChaosError extends Error {
  abstract readonly code: ErrorCode;
  /** True when the error is the user's to fix (bad input) rather than a harness fault. */
  readonly userFacing: boolean = true;
}

/** Where in a file a problem is. `line` and `column` are 1-based. */
export interface SourceLocation {
  file: string;
  line?: number;
  column?: number;
  /** Dotted path of the offending field, e.g. `budgets.tool_calls_per_run`. */
  field?: string;
}

export function formatLocation(loc: SourceLocation): string {
  let where = loc.file;
  if (loc.line !== undefined) where += `:${loc.line}`;
  if (loc.column !== undefined) where += `:${loc.column}`;
  return where;
}

/** A config, scenario, pack or corpus file is invalid. */
export class ConfigError extends AgentChaosError {
  readonly code = 'E_CONFIG' as const;
  constructor(
    readonly location: SourceLocation,
    readonly detail: string,
    /** Further problems in the same file, each already formatted. */
    readonly more: readonly ConfigError[] = [],
  ) {
    super(`${formatLocation(location)}: ${location.field ? `${location.field}: ` : ''}${detail}`);
    this.name = 'ConfigError';
  }
}

/** The command line was used wrongly. */
export class UsageError extends AgentChaosError {
  readonly code = 'E_USAGE' as const;
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The harness itself failed (a port could not be bound, a reporter threw, ...). */
export class HarnessError extends AgentChaosError {
  readonly code = 'E_HARNESS' as const;
  override readonly userFacing = false;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HarnessError';
  }
}

/** The agent could not be started at all (bad command, module without a default export). */
export class AgentStartError extends AgentChaosError {
  readonly code = 'E_AGENT_START' as const;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AgentStartError';
  }
}
