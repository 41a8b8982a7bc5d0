import type { Ledger } from '../../ledger/ledger.js';
import { canonicalJson } from '../canonical.js';

/**
 * Ties tool requests to the model's proposals. A proposal is claimed while a request for it is
 * accepted or has run; refused or faulted requests do not claim, so the agent's retry of the same
 * call still finds it.
 */
export class CallIdMatcher {
  readonly #claimed = new Set<string>();

  constructor(private readonly ledger: Ledger) {}

  /**
   * The id the agent sent, else the earliest unclaimed proposal of the same tool with canonically
   * equal arguments (or, for arguments that are not JSON, the same raw text).
   */
  resolve(sent: string | undefined, tool: string, args: unknown, rawText?: string): string | undefined {
    if (sent) return sent;
    const wanted = canonicalJson(args);
    return this.ledger
      .proposals()
      .find(
        (p) =>
          !this.#claimed.has(p.id) &&
          p.name === tool &&
          (canonicalJson(p.args) === wanted || (rawText !== undefined && p.rawArgs === rawText)),
      )?.id;
  }

  claim(id: string | undefined): void {
    if (id !== undefined) this.#claimed.add(id);
  }

  release(id: string | undefined): void {
    if (id !== undefined) this.#claimed.delete(id);
  }
}
