import type { ModelEntry } from '../../ledger/ledger.js';
import type { Fault } from '../fault.js';

/** A model request about to be answered, as a fault hook sees it. */
export interface ModelInvocation {
  api: Exclude<ModelEntry['api'], 'models'>;
  /** The script turn an answer would play now. */
  turn: number;
  stream: boolean;
  /** Aborted when the agent hangs up or the world closes. */
  signal: AbortSignal;
  /** The request's ledger entry. */
  entry: ModelEntry;
}

/** An answer a hook gives instead of (or on top of) the adversary's: 5xx, 429, a dropped connection, ... */
export type ModelFault = Fault;

/**
 * Called before every accepted model request (right key, well-formed body). Returning a fault
 * answers with it instead of playing a turn (or, with `passThrough`, reshapes the answer);
 * awaiting inside gives latency or a hang (until `signal` aborts); undefined answers normally.
 */
export type BeforeModelHook = (call: ModelInvocation) => ModelFault | undefined | Promise<ModelFault | undefined>;
