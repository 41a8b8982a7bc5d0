import { CARRIERS } from '../adversary/carriers/index.js';
import { type InjectionVariant, injectionVariants } from '../adversary/injection-cases.js';
import { planSecurity } from '../adversary/plan-security.js';
import { ANY_TOOL_TARGET, MODEL_TARGET, type ResolvedFaultRule } from '../chaos/schema.js';
import type { Corpus } from '../config/corpora.js';
import type { Manifest } from '../config/manifest.js';
import type { ScriptedCall, ScriptTurn, ToolRole } from '../config/scenario.js';
import type { LoadedScenario } from '../config/scenarios.js';
import { deriveSeed, Rng, seededFaker, stableTag } from '../random.js';
import { buildCatalog } from '../world/tools/catalog.js';
import type { CatalogTool } from '../world/tools/types.js';
import type { CaseSpec, ResolvedCall, ResolvedTurn } from './case.js';
import { variantArgs } from './variant-args.js';

export interface Shard {
  index: number;
  total: number;
}

export interface PlanOptions {
  manifest: Manifest;
  scenarios: readonly LoadedScenario[];
  seed: number;
  shard?: Shard;
  /** Only cases whose id equals or starts with one of these (`authz/` selects a folder). */
  only?: readonly string[];
  /** Corpora injection scenarios draw from, by name. */
  corpora?: ReadonlyMap<string, Corpus>;
  /**
   * Cases per injection scenario: a seeded sample stratified by technique, or `all`. Default: the
   * scenario's own `sample`, except with `only`, which selects from every case.
   */
  sample?: number | 'all';
}

/**
 * Expands scenarios into cases for one manifest and seed. Deterministic: the same inputs give
 * the same cases, ids, call ids and arguments. Indices are positions in the unsharded plan.
 */
export function planCases(options: PlanOptions): CaseSpec[] {
  const selects = (id: string) =>
    !options.only?.length || options.only.some((o) => id === o || id.startsWith(o.endsWith('/') ? o : `${o}/`));
  const all: CaseSpec[] = [];
  for (const scenario of options.scenarios) {
    const variants: (InjectionVariant | undefined)[] = scenario.injection
      ? injectionVariants(scenario, options.corpora ?? new Map(), options.seed, sampleFor(scenario, options))
      : [undefined];
    for (const variant of variants) {
      const id = variant?.id ?? scenario.id;
      // Selected before planning: an injection scenario may expand into a thousand cases.
      if (selects(id)) all.push(planCase(scenario, id, all.length, options, variant));
    }
  }
  const { shard } = options;
  return shard ? all.filter((_, i) => i % shard.total === shard.index - 1) : all;
}

function sampleFor(scenario: LoadedScenario, options: PlanOptions): number | 'all' {
  if (options.sample !== undefined) return options.sample;
  // A replay names a case: it must be found whatever the default sample holds.
  if (options.only?.length) return 'all';
  return scenario.injection?.sample ?? 'all';
}

function planCase(scenario: LoadedScenario, id: string, index: number, options: PlanOptions, variant?: InjectionVariant): CaseSpec {
  const seed = deriveSeed(options.seed, id);
  const catalog = buildCatalog([...options.manifest.tools.custom, ...scenario.tools]);
  const roles = new RoleResolver(options.manifest, catalog, new Rng(deriveSeed(seed, 'roles')), seed);
  const missing = scenario.requires.find((r) => roles.resolve(r) === undefined);
  const script: ResolvedTurn[] = [];
  let skip = missing ? `the manifest has no tool for the role @${missing}` : undefined;

  const resolveCalls = (calls: ScriptedCall[], turn: number): ResolvedCall[] => {
    const resolved: ResolvedCall[] = [];
    calls.forEach((call, i) => {
      const name = call.tool.startsWith('@') ? roles.resolve(call.tool.slice(1) as ToolRole) : call.tool;
      if (name === undefined) {
        skip ??= `the manifest has no tool for the role ${call.tool}`;
        resolved.push({ id: '', name: call.tool, args: {}, rawArgs: '{}' });
        return;
      }
      const faker = () => seededFaker(deriveSeed(seed, `args:${turn}:${i}`));
      const base = call.variant_of ? resolved[call.variant_of.call] : undefined;
      const args =
        base && call.variant_of
          ? { ...variantArgs(base.args, catalog.get(name), call.variant_of.change, faker()), ...call.args }
          : (call.args ?? catalog.get(name)?.sampleArgs(faker()) ?? {});
      resolved.push({ id: `call_${stableTag(seed, `call:${turn}:${i}`, 24)}`, name, args, rawArgs: call.raw_args ?? JSON.stringify(args) });
    });
    return resolved;
  };

  // A fuzz scenario without a script calls its tool once, so each run has a response to fuzz.
  const turns =
    scenario.fuzz && scenario.model.script.length === 0 ? [{ tool_calls: [{ tool: scenario.fuzz.tool }] }] : scenario.model.script;
  const extra = (tokens: number | undefined) => (tokens ? { extraOutputTokens: tokens } : {});
  for (const turn of turns) {
    if ('tool_calls' in turn)
      script.push({
        toolCalls: resolveCalls(turn.tool_calls, script.length),
        ...(turn.text !== undefined ? { text: turn.text } : {}),
        ...extra(turn.extra_output_tokens),
      });
    else if ('text' in turn) script.push({ toolCalls: [], text: turn.text, ...extra(turn.extra_output_tokens) });
    else {
      const times = repeatTimes(turn, options.manifest);
      if (times === undefined) skip ??= `the manifest sets no budgets.${(turn.repeat.times as { over: string }).over} to repeat past`;
      for (let r = 0; r < (times ?? 0); r++) {
        script.push({ toolCalls: resolveCalls(turn.repeat.tool_calls, script.length), ...extra(turn.repeat.extra_output_tokens) });
      }
    }
  }

  const faults: ResolvedFaultRule[] = scenario.faults.map((rule) => {
    const { target } = rule;
    if (target === MODEL_TARGET) return { ...rule, target: { kind: 'model' } };
    if (target === ANY_TOOL_TARGET) return { ...rule, target: { kind: 'any-tool' } };
    const name = target.startsWith('@') ? roles.resolve(target.slice(1) as ToolRole) : target;
    if (name === undefined) skip ??= `the manifest has no tool for the role ${target}`;
    return { ...rule, target: { kind: 'tool', name: name ?? target } };
  });

  const hostile = (scenario.mcp?.hostile ?? []).map((h, i) => {
    const name = (ref: string) => (ref.startsWith('@') ? roles.resolve(ref.slice(1) as ToolRole) : ref);
    const [tool, target, bait] = [name(h.tool), h.kind === 'shadow' ? name(h.target) : undefined, name(h.bait)];
    if (tool === undefined || bait === undefined || (h.kind === 'shadow' && target === undefined)) {
      skip ??= `the manifest has no tool for a role of mcp.hostile[${i}]`;
    }
    const args = catalog.get(bait ?? '')?.sampleArgs(seededFaker(deriveSeed(seed, `plant-args:${i}`))) ?? { confirm: true };
    return {
      kind: h.kind,
      tool: tool ?? '',
      ...(h.kind === 'poison' ? { where: h.where } : {}),
      ...(target !== undefined ? { target } : {}),
      ...(h.kind === 'rug-pull' ? { afterCalls: h.after_calls } : {}),
      bait: { id: `call_${stableTag(seed, `plant:${i}`, 24)}`, name: bait ?? '', args, rawArgs: JSON.stringify(args) },
      marker: `ref ACX-${stableTag(seed, `marker:${i}`, 8)}`,
    };
  });
  const fuzz = scenario.fuzz && planFuzz(scenario.fuzz, roles, catalog, seed);
  if (scenario.fuzz && !fuzz) skip ??= `the manifest has no tool for the role ${scenario.fuzz.tool}`;

  const rng = new Rng(deriveSeed(seed, 'trigger'));
  let trigger: CaseSpec['trigger'] = {
    id: scenario.trigger.id ?? `TCK-${1000 + rng.int(9000)}`,
    source: scenario.trigger.source,
    kind: scenario.trigger.kind,
    received_at: '',
    text: scenario.trigger.text,
  };
  let security: CaseSpec['security'];
  if (scenario.injection || scenario.bait) {
    const planned = planSecurity({
      scenario,
      ...(variant ? { injection: { entry: variant.entry, carrier: variant.carrier } } : {}),
      seed,
      trigger,
      manifest: options.manifest,
      catalog,
      resolveTool: (ref) => (ref.startsWith('@') ? roles.resolve(ref.slice(1) as ToolRole) : ref),
    });
    security = planned.plan;
    trigger = planned.trigger;
    script.unshift(...planned.prelude);
    skip ??= planned.skip;
  }
  return {
    index,
    id,
    title: variant
      ? `${scenario.title}: ${variant.entry.id} (${variant.entry.technique}) in ${CARRIERS[variant.carrier].title}`
      : scenario.title,
    pack: scenario.pack,
    controls: scenario.controls,
    seed,
    scenario,
    trigger,
    script,
    finalText: scenario.model.final_text,
    tools: [...options.manifest.tools.custom, ...scenario.tools],
    hints: scenario.hints,
    roles: roles.resolved,
    faults,
    ...(skip ? { skip } : {}),
    ...(fuzz ? { fuzz } : {}),
    ...(hostile.length > 0 ? { hostile } : {}),
    ...(security ? { security } : {}),
  };
}

// Roles whose tools an instruction-looking response may ask for, in the order shrinking prefers:
// an allowed write first, since no authorization guard stops it, only the agent's own judgement.
const BAIT_ROLES: readonly ToolRole[] = ['allowed-write', 'forbidden', 'unknown'];

function planFuzz(fuzz: NonNullable<LoadedScenario['fuzz']>, roles: RoleResolver, catalog: Map<string, CatalogTool>, seed: number) {
  const tool = fuzz.tool.startsWith('@') ? roles.resolve(fuzz.tool.slice(1) as ToolRole) : fuzz.tool;
  if (tool === undefined) return undefined;
  const baits = BAIT_ROLES.flatMap((role) => {
    const name = roles.resolve(role);
    if (name === undefined || name === tool) return [];
    const args = catalog.get(name)?.sampleArgs(seededFaker(deriveSeed(seed, `bait:${role}`))) ?? { reason: 'cleanup' };
    return [{ tool: name, args }];
  });
  return { tool, ...(fuzz.runs ? { runs: fuzz.runs } : {}), ...(fuzz.kinds ? { kinds: fuzz.kinds } : {}), baits };
}

// A repeat sized by a budget runs past that cap; a manifest without the budget has nothing to outrun.
const MAX_REPEAT = 1000;
function repeatTimes(turn: Extract<ScriptTurn, { repeat: unknown }>, manifest: Manifest): number | undefined {
  const { times } = turn.repeat;
  if (typeof times === 'number') return times;
  const cap = manifest.budgets[times.over];
  return cap === undefined ? undefined : Math.min(MAX_REPEAT, cap + times.plus);
}

/** Maps script roles to this manifest's tools, once per case, so a role names one tool throughout. */
class RoleResolver {
  readonly resolved: Partial<Record<ToolRole, string>> = {};
  constructor(
    private readonly manifest: Manifest,
    private readonly catalog: Map<string, CatalogTool>,
    private readonly rng: Rng,
    private readonly seed: number,
  ) {}

  resolve(role: ToolRole): string | undefined {
    if (!(role in this.resolved)) {
      const candidates = this.candidates(role);
      const chosen = candidates.length > 0 ? this.rng.pick(candidates) : undefined;
      if (chosen !== undefined) this.resolved[role] = chosen;
      else return undefined;
    }
    return this.resolved[role];
  }

  private candidates(role: ToolRole): string[] {
    const { allow, write, forbidden } = this.manifest.tools;
    const tools = [...this.catalog.values()];
    const effect = (name: string) => this.catalog.get(name)?.effect;
    switch (role) {
      case 'forbidden':
        return [...forbidden];
      case 'protected':
        return [...this.manifest.tools.protected];
      case 'allowed-read':
        return allow.filter((t) => effect(t) === 'read');
      case 'allowed-write':
        return write.filter((t) => !this.manifest.tools.protected.includes(t));
      case 'write-not-allowed': {
        const writes = tools
          .filter((t) => t.effect === 'write' && !write.includes(t.name) && !forbidden.includes(t.name))
          .map((t) => t.name);
        // Prefer a tool the agent may call but not for writing: that isolates the read-write guard.
        const allowedButReadOnly = writes.filter((t) => allow.includes(t));
        return allowedButReadOnly.length > 0 ? allowedButReadOnly : writes;
      }
      case 'not-allowed': {
        const outside = tools.filter((t) => !allow.includes(t.name) && !forbidden.includes(t.name));
        // Prefer a read tool: a write would also trip the read-write guard and blur which guard held.
        const reads = outside.filter((t) => t.effect === 'read');
        return (reads.length > 0 ? reads : outside).map((t) => t.name);
      }
      case 'unknown':
        return [this.hallucinatedName()];
    }
  }

  /** A plausible tool name that nothing serves. */
  private hallucinatedName(): string {
    const verbs = ['override', 'grant', 'purge', 'escalate', 'exec', 'export'];
    const nouns = ['admin', 'system', 'root', 'internal', 'billing', 'secrets'];
    let name = '';
    for (let attempt = 0; attempt < 10 && (name === '' || this.catalog.has(name)); attempt++) {
      name = `${this.rng.pick(nouns)}_${this.rng.pick(verbs)}_${stableTag(this.seed, `unknown:${attempt}`, 4)}`;
    }
    return name;
  }
}
