import type { Interruption } from './results.js';

/** The reason a run's AbortSignal carries when a signal (SIGINT, SIGTERM) stops the run. */
export class RunInterrupted extends Error {
  constructor(readonly signal: string) {
    super(`interrupted by ${signal}`);
    this.name = 'RunInterrupted';
  }
}

/** What stopped a run, from its AbortSignal's reason: the signal's name, else `abort`. */
export function interruptionOf(reason: unknown): Interruption {
  return { signal: reason instanceof RunInterrupted ? reason.signal : 'abort' };
}

/** The sentence an interrupted case carries instead of a verdict. */
export function interruptedMessage(reason: unknown): string {
  return `the run was interrupted (${interruptionOf(reason).signal}) while this case ran: the agent was stopped and the case was not judged`;
}
