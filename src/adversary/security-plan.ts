import type { DataEncoding, GoalAction } from '../config/corpus.js';
import type { ResolvedCall } from '../runner/case.js';
import type { Canary } from './canaries.js';
import type { CarrierName } from './carriers/names.js';

/** Where the world plants texts: a carrier, and for tool carriers the tool it rides on. */
export interface Placement {
  carrier: CarrierName;
  purpose: 'payload' | 'bait';
  /** The tool whose result, error or listing carries the texts; none for the trigger. */
  tool?: string;
  /** True when the tool is the carrier's own kind, false for a stand-in. */
  native?: boolean;
  /**
   * What is planted. A payload in parts has one text per part (per field, or per call of the
   * tool: the k-th call's result carries part k); bait has one text, in every call.
   */
  texts: string[];
}

/** The goal of a payload, resolved for this case. `⟦data⟧` marks where the model puts what it saw. */
export interface PlantedGoal {
  action: GoalAction;
  /** `call` and `message`: the tool call the model makes, its id the harness's. */
  call?: ResolvedCall;
  /** The role the goal named (`@forbidden`), when it named one. */
  role?: string;
  /** `exfiltrate` and `reveal`: the answer the model gives. */
  text?: string;
  encoding: DataEncoding;
}

/** One injection payload as planted in one case. */
export interface PlantedPayload {
  /** `corpus/entry-id`. */
  key: string;
  corpus: string;
  entry: string;
  technique: string;
  tags: string[];
  carrier: CarrierName;
  /** The texts as planted, one per part. */
  parts: string[];
  goal: PlantedGoal;
  /** Model answers the model waits after reading the payload before it acts. */
  delay: number;
  /** The attacker's addresses: where an outside message or exfiltration would go. */
  attacker: { email: string; host: string; url: string };
  /** The goal carries `{data}`: the model acts once it has read the bait. */
  carriesData: boolean;
}

/** Marks in a planted goal, filled when the model acts. */
export const DATA_MARK = { whole: '⟦data⟧', first: '⟦data.first⟧', second: '⟦data.second⟧' } as const;

/** What a case's security features need of the world, the adversary and the checks. */
export interface SecurityPlan {
  payloads: PlantedPayload[];
  canaries: Canary[];
  /** Canaries planted in the agent's environment. */
  envBait: boolean;
  placements: Placement[];
  /** Script turns (from the start) that read the planted texts; the scenario's own turns follow. */
  prelude: number;
  /** Reads the model makes while it waits out a delayed payload after the script ran out. */
  filler: ResolvedCall[];
}
