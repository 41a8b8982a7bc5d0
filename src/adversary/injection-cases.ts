import type { Corpus, LoadedEntry } from '../config/corpora.js';
import { formatFieldPath, parseLocated, readConfigText } from '../config/load.js';
import type { LoadedScenario } from '../config/scenarios.js';
import { ConfigError, type SourceLocation } from '../errors.js';
import { deriveSeed, Rng } from '../random.js';
import type { CarrierName } from './carriers/names.js';

/** One case an injection scenario expands to: an entry in a carrier. */
export interface InjectionVariant {
  /** `<scenario id>/<entry id>@<carrier>`. */
  id: string;
  entry: LoadedEntry;
  carrier: CarrierName;
}

/**
 * Every entry × carrier of an injection scenario, in corpus order then carrier order, or a
 * seeded sample of them (`sample`): stratified so every technique is represented and carriers
 * are spread evenly, so it is never smaller than the number of techniques.
 */
export function injectionVariants(
  scenario: LoadedScenario,
  corpora: ReadonlyMap<string, Corpus>,
  runSeed: number,
  sample: number | 'all',
): InjectionVariant[] {
  const injection = scenario.injection;
  if (!injection) return [];
  const entries = selectEntries(scenario, corpora);
  const all = entries.flatMap((entry) =>
    injection.carriers.map((carrier) => ({ id: `${scenario.id}/${entry.id}@${carrier}`, entry, carrier })),
  );
  if (sample === 'all' || sample >= all.length) return all;
  return stratifiedSample(all, sample, injection.carriers, new Rng(deriveSeed(runSeed, 'sample', scenario.id)));
}

/** The entries a scenario's `injection` selects: all filters must hold; each filter must match something. */
export function selectEntries(scenario: LoadedScenario, corpora: ReadonlyMap<string, Corpus>): LoadedEntry[] {
  const injection = scenario.injection;
  if (!injection) return [];
  const at = (path: PropertyKey[]): SourceLocation => {
    const full = ['injection', ...path];
    try {
      return parseLocated(readConfigText(scenario.file), scenario.file).locate(full);
    } catch {
      // A scenario built in code has no file to point into.
      return { file: scenario.file, field: formatFieldPath(full) };
    }
  };
  const corpus = corpora.get(injection.corpus);
  if (!corpus) {
    throw new ConfigError(at(['corpus']), `unknown corpus "${injection.corpus}"; known: ${[...corpora.keys()].join(', ') || 'none'}`);
  }
  const check = (key: 'techniques' | 'tags' | 'entries', has: (e: LoadedEntry, value: string) => boolean) => {
    injection[key]?.forEach((value, i) => {
      if (!corpus.entries.some((e) => has(e, value))) {
        const what = key === 'entries' ? 'the id' : `the ${key.slice(0, -1)}`;
        throw new ConfigError(at([key, i]), `no entry of corpus "${corpus.name}" has ${what} "${value}"`);
      }
    });
  };
  check('techniques', (e, v) => e.technique === v);
  check('tags', (e, v) => e.tags.includes(v));
  check('entries', (e, v) => e.id === v);
  const selected = corpus.entries.filter(
    (e) =>
      (!injection.techniques || injection.techniques.includes(e.technique)) &&
      (!injection.tags || injection.tags.some((t) => e.tags.includes(t))) &&
      (!injection.entries || injection.entries.includes(e.id)) &&
      (!injection.actions || injection.actions.includes(e.goal.action)),
  );
  if (selected.length === 0) throw new ConfigError(at([]), `the filters select no entry of corpus "${corpus.name}"`);
  return selected;
}

function stratifiedSample(all: InjectionVariant[], size: number, carriers: readonly CarrierName[], rng: Rng): InjectionVariant[] {
  const byTechnique = new Map<string, InjectionVariant[]>();
  for (const v of all) {
    const list = byTechnique.get(v.entry.technique) ?? [];
    list.push(v);
    byTechnique.set(v.entry.technique, list);
  }
  const groups = [...byTechnique.values()].map((list) => shuffle(list, rng));
  const target = Math.max(size, groups.length);
  const picked = new Set<InjectionVariant>();
  for (let round = 0; picked.size < target; round++) {
    let progressed = false;
    groups.forEach((group, g) => {
      if (picked.size >= target || group.length === 0) return;
      // Rotate the carrier each technique prefers, so a small sample still spreads over carriers.
      const wanted = carriers[(g + round) % carriers.length];
      const index = Math.max(
        0,
        group.findIndex((v) => v.carrier === wanted),
      );
      const [chosen] = group.splice(index, 1);
      if (chosen) {
        picked.add(chosen);
        progressed = true;
      }
    });
    if (!progressed) break;
  }
  return all.filter((v) => picked.has(v));
}

function shuffle<T>(items: readonly T[], rng: Rng): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}
