import { faultHooks } from '../chaos/hooks.js';
import type { Manifest } from '../config/manifest.js';
import type { WorldOptions } from '../world/world.js';
import type { CaseSpec } from './case.js';

/**
 * What a case's scenario asks of its world beyond the defaults: the human's behaviour, token
 * lifetimes and revocation, faults, bait. Each scenario feature adds its part here, in one place.
 */
export function worldOptionsFor(spec: CaseSpec, _manifest: Manifest): Partial<WorldOptions> {
  return {
    // Faults: `faults:` rules become the tool and model hooks, seeded by the case.
    ...faultHooks(spec.faults ?? [], spec.seed),
  };
}
