import { createHash } from 'node:crypto';
import { base, en, Faker } from '@faker-js/faker';

/** A 32-bit seed derived from a run seed and a name, stable across platforms and releases. */
export function deriveSeed(seed: number, ...names: string[]): number {
  const h = createHash('sha256').update(`${seed}`);
  for (const n of names) h.update('\u0000').update(n);
  return h.digest().readUInt32BE(0);
}

/** A short stable hex tag, e.g. for ids and keys that must be the same on replay. */
export function stableTag(seed: number, name: string, length = 12): string {
  return createHash('sha256').update(`${seed}\u0000${name}`).digest('hex').slice(0, length);
}

/** A small seeded generator (mulberry32): fast, and the same sequence everywhere. */
export class Rng {
  #state: number;
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }
  /** A float in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(maxExclusive: number): number {
    return Math.floor(this.next() * maxExclusive);
  }
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.int(items.length)] as T;
  }
}

/** One seeded faker per case; never the global one. */
export function seededFaker(seed: number): Faker {
  const faker = new Faker({ locale: [en, base] });
  faker.seed(seed);
  return faker;
}
