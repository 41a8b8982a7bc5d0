import type { ResolvedTurn } from '../runner/case.js';
import type { ModelAnswer, ModelPolicy, ModelRequestView } from './policy.js';

/** Plays a fixed list of turns, then the final text forever. */
export function scriptedPolicy(script: readonly ResolvedTurn[], finalText: string): ModelPolicy {
  return {
    name: 'scripted',
    respond(request: ModelRequestView): ModelAnswer {
      const turn = script[request.turn];
      if (!turn) return { toolCalls: [], text: finalText };
      return {
        toolCalls: turn.toolCalls,
        text: turn.text,
        ...(turn.extraOutputTokens ? { extraOutputTokens: turn.extraOutputTokens } : {}),
      };
    },
  };
}
