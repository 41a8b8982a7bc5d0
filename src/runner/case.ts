import type { SecurityPlan } from '../adversary/security-plan.js';
import type { BaitCall, MalformedKind } from '../chaos/malformed.js';
import type { ResolvedFaultRule } from '../chaos/schema.js';
import type { PackName } from '../config/manifest.js';
import type { Scenario, ToolDefinition, ToolRole } from '../config/scenario.js';

/** The trigger handed to the agent (contract §2). */
export interface Trigger {
  id: string;
  source: string;
  kind: string;
  received_at: string;
  text: string;
  [extra: string]: unknown;
}

/** A tool call the adversary will propose, with everything resolved to concrete values. */
export interface ResolvedCall {
  /** The model's tool-call id; the harness's, so ledger, audit and proposal tie together. */
  id: string;
  name: string;
  args: unknown;
  /** Exactly the arguments string the model sends. */
  rawArgs: string;
}

/** One answer of the scripted model. */
export interface ResolvedTurn {
  toolCalls: ResolvedCall[];
  text?: string;
  /** Output tokens to claim beyond the answer's own (huge outputs). */
  extraOutputTokens?: number;
}

/** One case of the plan: a scenario made concrete for one manifest and one seed. */
export interface CaseSpec {
  /** Position in the full plan (before sharding), so shards merge back in order. */
  index: number;
  id: string;
  title: string;
  pack: PackName;
  controls: string[];
  seed: number;
  scenario: Scenario;
  trigger: Trigger;
  script: ResolvedTurn[];
  finalText: string;
  tools: ToolDefinition[];
  hints: Scenario['hints'];
  /** How each role the script used was resolved for this manifest. */
  roles: Partial<Record<ToolRole, string>>;
  /** The scenario's faults, targets resolved (`faults:`). */
  faults?: ResolvedFaultRule[];
  /** Set when the case does not apply to this manifest; the reason is reported. */
  skip?: string;
  /** Injection payloads and secret bait, where they are planted, and what the obedient model will do. */
  security?: SecurityPlan;
  /** A fuzz case: its tool, how many runs the scenario asks for, and the calls its instructions bait. */
  fuzz?: { tool: string; runs?: number; kinds?: MalformedKind[]; baits: BaitCall[] };
  /** The hostile tool server's behaviours, roles resolved. */
  hostile?: ResolvedHostile[];
}

/** One hostile behaviour with concrete tools, and the call its planted text asks for. */
export interface ResolvedHostile {
  kind: 'poison' | 'shadow' | 'rug-pull' | 'injected-result';
  tool: string;
  where?: 'description' | 'parameter';
  target?: string;
  afterCalls?: number;
  bait: ResolvedCall;
  /** A token in the planted text, so the adversary knows it reached the model. */
  marker: string;
}
