import type { CaseSpec } from '../runner/case.js';
import { json } from '../world/http.js';
import { buildCatalog } from '../world/tools/catalog.js';
import type { BeforeToolHook } from '../world/tools/execute.js';
import type { CatalogTool } from '../world/tools/types.js';
import type { WorldOptions } from '../world/world.js';
import { baitEnv } from './canaries.js';
import { CARRIERS } from './carriers/index.js';
import { obedientPolicy } from './obedient.js';
import type { Placement, SecurityPlan } from './security-plan.js';

const NO_PLAN: SecurityPlan = { payloads: [], canaries: [], envBait: false, placements: [], prelude: 0, filler: [] };

/** The fault name a planted error is recorded under. */
export const PLANTED_ERROR = 'planted-error';

/**
 * The world a case's security features need: the obedient adversary, bait in the environment,
 * and the planted texts in tool results, errors and listings (over `base`'s catalog, if any).
 */
export function securityWorldOptions(spec: CaseSpec, base: Pick<Partial<WorldOptions>, 'catalog' | 'bait'> = {}): Partial<WorldOptions> {
  const plan = spec.security;
  const options: Partial<WorldOptions> = {};
  if (spec.scenario.model.policy === 'obedient') options.policy = obedientPolicy(spec.script, spec.finalText, plan ?? NO_PLAN);
  if (!plan) return options;
  if (plan.envBait) options.bait = { ...base.bait, ...baitEnv(plan.canaries) };
  const onTools = plan.placements.filter((p) => p.tool !== undefined);
  if (onTools.some((p) => CARRIERS[p.carrier].channel !== 'error')) {
    options.catalog = plantedCatalog(base.catalog ?? buildCatalog(spec.tools), onTools);
  }
  const errors = onTools.filter((p) => CARRIERS[p.carrier].channel === 'error');
  // Chained after the other features' hooks (world-options.ts): a fault or a rug pull answers first.
  if (errors.length > 0) options.beforeTool = plantedErrors(errors);
  return options;
}

/** The text a placement puts in the k-th call of its tool: part k of a payload, or the bait every time. */
function textFor(p: Placement, k: number): string | undefined {
  return p.purpose === 'bait' ? p.texts[0] : p.texts[k];
}

function plantedCatalog(catalog: Map<string, CatalogTool>, placements: readonly Placement[]): Map<string, CatalogTool> {
  const byTool = new Map<string, Placement[]>();
  for (const p of placements) byTool.set(p.tool as string, [...(byTool.get(p.tool as string) ?? []), p]);
  for (const [name, list] of byTool) {
    const base = catalog.get(name);
    if (!base) continue;
    let tool = base;
    for (const p of list) {
      const listing = CARRIERS[p.carrier].plantListing;
      if (listing) tool = listing(tool, p.texts);
    }
    const results = list.filter((p) => CARRIERS[p.carrier].channel === 'result');
    if (results.length > 0) {
      let calls = 0;
      const listed = tool;
      tool = {
        ...listed,
        run(args, ctx) {
          const k = calls++;
          const out = base.run(args, ctx);
          let result: unknown = structuredClone(out.result);
          for (const p of results) {
            const text = textFor(p, k);
            const plant = CARRIERS[p.carrier].plantResult;
            if (text !== undefined && plant)
              result = plant(result, text, { tool: name, native: p.native ?? false, schema: base.output_schema });
          }
          return { result, externalIds: out.externalIds };
        },
      };
    }
    catalog.set(name, tool);
  }
  return catalog;
}

function plantedErrors(placements: readonly Placement[]): BeforeToolHook {
  const calls = new Map<string, number>();
  return (call) => {
    const mine = placements.filter((p) => p.tool === call.tool.name);
    if (mine.length === 0) return undefined;
    const k = calls.get(call.tool.name) ?? 0;
    calls.set(call.tool.name, k + 1);
    const texts = mine.flatMap((p) => textFor(p, k) ?? []);
    const body = texts.length > 0 ? CARRIERS.error.errorBody?.(texts.join(' ')) : undefined;
    if (!body) return undefined;
    // The error text is what the agent was handed: recorded, so checks can see it arrived.
    call.entry.error = JSON.stringify(body.body);
    return { name: PLANTED_ERROR, respond: () => json(body.status, body.body) };
  };
}
