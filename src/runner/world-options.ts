import { securityWorldOptions } from '../adversary/security-world.js';
import { faultHooks } from '../chaos/hooks.js';
import type { Manifest } from '../config/manifest.js';
import type { BeforeToolHook } from '../world/tools/execute.js';
import { hostileWorldOptions } from '../world/tools/hostile-mcp.js';
import type { WorldOptions } from '../world/world.js';
import type { CaseSpec } from './case.js';
import { identityWorldOptions } from './identity-moments.js';
import { scriptedHuman } from './scripted-human.js';

/**
 * What a case's scenario asks of its world beyond the defaults: the human's behaviour, token
 * lifetimes and revocation, faults, a hostile tool server, bait. Each scenario feature adds its
 * part here, in one place.
 */
export function worldOptionsFor(spec: CaseSpec, manifest: Manifest): Partial<WorldOptions> {
  const { identity, human } = spec.scenario;
  const hostile = hostileWorldOptions(spec);
  // Faults: `faults:` rules become the tool and model hooks, seeded by the case.
  const faults = faultHooks(spec.faults ?? [], spec.seed);
  // Injections and bait: the obedient adversary, planted texts over the (hostile) catalog, env bait.
  const security = securityWorldOptions(spec, hostile);
  const beforeTool = chainToolHooks(hostile.beforeTool, faults.beforeTool, security.beforeTool);
  return {
    ...hostile,
    ...identityWorldOptions(identity),
    ...(human ? { human: scriptedHuman(human, manifest) } : {}),
    ...(faults.beforeModel ? { beforeModel: faults.beforeModel } : {}),
    ...security,
    ...(beforeTool ? { beforeTool } : {}),
  };
}

/** Every hook sees every call (a rug pull counts uses even when a fault answers); the first fault answers. */
export function chainToolHooks(...hooks: (BeforeToolHook | undefined)[]): BeforeToolHook | undefined {
  const present = hooks.filter((h): h is BeforeToolHook => h !== undefined);
  if (present.length <= 1) return present[0];
  return async (call) => {
    let fault: Awaited<ReturnType<BeforeToolHook>>;
    for (const hook of present) {
      const answer = await hook(call);
      fault ??= answer;
    }
    return fault;
  };
}
