import { securityWorldOptions } from '../adversary/security-world.js';
import type { Manifest } from '../config/manifest.js';
import { hostileWorldOptions } from '../world/tools/hostile-mcp.js';
import type { WorldOptions } from '../world/world.js';
import type { CaseSpec } from './case.js';
import { identityWorldOptions } from './identity-moments.js';
import { scriptedHuman } from './scripted-human.js';

/**
 * What a case's scenario asks of its world beyond the defaults: the human's behaviour, token
 * lifetimes and revocation, faults, bait. Each scenario feature adds its part here, in one place.
 */
export function worldOptionsFor(spec: CaseSpec, manifest: Manifest): Partial<WorldOptions> {
  const { identity, human } = spec.scenario;
  const hostile = hostileWorldOptions(spec);
  return {
    ...hostile,
    ...identityWorldOptions(identity),
    ...(human ? { human: scriptedHuman(human, manifest) } : {}),
    // Planted payloads and bait go on top of whatever catalog and fault hook are already there.
    ...securityWorldOptions(spec, hostile),
  };
}
