import { HarnessError } from '../src/errors.js';
import type { Reporter } from './types.js';

/**
 * One reporter that calls each of `reporters` in turn, awaiting each. A reporter that throws
 * stops the run with a HarnessError naming it.
 */
export function fanOut(reporters: readonly Reporter[]): Reporter {
  const each = async (hook: keyof Reporter, call: (reporter: Reporter) => void | Promise<void>): Promise<void> => {
    for (const reporter of reporters) {
      try {
        await call(reporter);
      } catch (cause) {
        const reason = cause instanceof Error ? cause.message : String(cause);
        throw new HarnessError(`reporter "${reporter.name}" failed in ${hook}: ${reason}`, { cause });
      }
    }
  };
  return {
    name: 'fan-out',
    onRunStart: (info) => each('onRunStart', (reporter) => reporter.onRunStart?.(info)),
    onCaseEnd: (result) => each('onCaseEnd', (reporter) => reporter.onCaseEnd?.(result)),
    onRunEnd: (summary) => each('onRunEnd', (reporter) => reporter.onRunEnd?.(summary)),
  };
}
