import type { InjectionSighting } from '../ledger/ledger.js';
import type { ResolvedCall } from '../runner/case.js';

/** What the adversary sees of one model request. */
export interface ModelRequestView {
  /** How many model answers this world has given before this one. */
  turn: number;
  api: 'chat' | 'responses' | 'anthropic';
  model: string | undefined;
  /** Everything the agent sent, flattened to text. */
  inputText: string;
  /** Names of the tools the agent offered the model. */
  offeredTools: string[];
}

export interface ModelAnswer {
  toolCalls: ResolvedCall[];
  text: string | undefined;
  /** Extra output tokens to claim in `usage` (scenarios that ask for huge outputs). */
  extraOutputTokens?: number;
  /** Planted injections the request carried, recorded on the model's ledger entry. */
  injections?: InjectionSighting[];
}

/** A deterministic model policy (contract §5). */
export interface ModelPolicy {
  readonly name: string;
  respond(request: ModelRequestView): ModelAnswer;
}
