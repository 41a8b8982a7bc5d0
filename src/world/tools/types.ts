import type { Faker } from '@faker-js/faker';

export type ToolEffect = 'read' | 'write';

/** What a tool's backend sees when it runs. */
export interface ToolContext {
  faker: Faker;
  /** Base URL of the run's world, for URLs of things the tool creates. */
  baseUrl: string;
  /** A per-world counter for ids of created things, e.g. `pr_3`. */
  nextId(prefix: string): string;
  /** The same counters as bare numbers, for things numbered like PRs. */
  nextNumber(prefix: string): number;
}

/** A tool result; `externalIds` are the ids and URLs the call created or changed. */
export interface ToolOutcome {
  result: unknown;
  externalIds: string[];
}

/** A tool the world serves. */
export interface CatalogTool {
  name: string;
  description: string;
  effect: ToolEffect;
  input_schema: Record<string, unknown>;
  /**
   * JSON Schema of every result the tool returns (contract extension: listed as `output_schema`
   * over REST, `outputSchema` over MCP). A response that breaks it is malformed.
   */
  output_schema?: Record<string, unknown>;
  /** Plausible arguments for this tool, drawn from the case's faker. */
  sampleArgs(faker: Faker): Record<string, unknown>;
  run(args: Record<string, unknown>, ctx: ToolContext): ToolOutcome;
}
