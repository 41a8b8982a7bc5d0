import { deriveSeed, Rng } from '../random.js';
import type { BeforeModelHook } from '../world/model/fault-hook.js';
import type { BeforeToolHook } from '../world/tools/execute.js';
import { applyFault, type FaultEndpoint } from './faults.js';
import type { FaultWhen, ResolvedFaultRule } from './schema.js';

/** The world's fault hooks for one case; a hook is left out when no rule needs it. */
export interface FaultHooks {
  beforeTool?: BeforeToolHook;
  beforeModel?: BeforeModelHook;
}

/** One rule's running state: calls seen, and its own seeded streams. */
class Armed {
  calls = 0;
  readonly #fire: Rng;
  readonly jitter: Rng;
  constructor(
    readonly rule: ResolvedFaultRule,
    seed: number,
    index: number,
  ) {
    this.#fire = new Rng(deriveSeed(seed, 'fault', String(index), 'fire'));
    this.jitter = new Rng(deriveSeed(seed, 'fault', String(index), 'jitter'));
  }

  /** Counts the call and says whether the rule fires on it. */
  fires(): boolean {
    this.calls++;
    if (!inRange(this.calls, this.rule.when)) return false;
    // Drawn only for calls in range, so a rule's draws depend on its own calls alone.
    const p = this.rule.when.probability;
    return p === undefined || this.#fire.next() < p;
  }
}

function inRange(n: number, when: FaultWhen): boolean {
  if (when.call !== undefined) return n === when.call;
  return n >= (when.from ?? 1) && n <= (when.to ?? Number.POSITIVE_INFINITY);
}

/**
 * Turns a case's fault rules into world hooks. Deterministic: the same rules, seed and sequence
 * of calls fire the same faults. Every rule whose target matches counts the call; the first
 * that fires answers it.
 */
export function faultHooks(rules: readonly ResolvedFaultRule[], seed: number): FaultHooks {
  const armed = rules.map((rule, i) => new Armed(rule, seed, i));
  const tools = armed.filter((a) => a.rule.target.kind !== 'model');
  const model = armed.filter((a) => a.rule.target.kind === 'model');

  const pick = (candidates: Armed[], endpoint: FaultEndpoint, signal: AbortSignal) => {
    let chosen: Armed | undefined;
    for (const a of candidates) if (a.fires() && !chosen) chosen = a;
    return chosen ? applyFault(chosen.rule.fault, { endpoint, signal, rng: chosen.jitter }) : undefined;
  };

  return {
    ...(tools.length > 0
      ? {
          beforeTool: ({ tool, signal }) =>
            pick(
              tools.filter((a) => a.rule.target.kind === 'any-tool' || (a.rule.target.kind === 'tool' && a.rule.target.name === tool.name)),
              'tool',
              signal,
            ),
        }
      : {}),
    ...(model.length > 0 ? { beforeModel: ({ api, signal }) => pick(model, api === 'anthropic' ? 'anthropic' : 'openai', signal) } : {}),
  };
}
