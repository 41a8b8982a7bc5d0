import { PACK_NAMES } from '../src/config/common.js';

/**
 * Compares strings by code unit. `localeCompare` would make report order depend on the
 * machine's ICU data and locale.
 */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sectionRank(section: string): number {
  const rank = (PACK_NAMES as readonly string[]).indexOf(section);
  return rank === -1 ? PACK_NAMES.length : rank;
}

/** Orders sections as the design lists the packs; sections of custom packs follow, by name. */
export function compareSections(a: string, b: string): number {
  return sectionRank(a) - sectionRank(b) || compareText(a, b);
}

/** Groups items by section, sections in the fixed order, items in their given order. */
export function groupBySection<T>(items: Iterable<T>, sectionOf: (item: T) => string): Array<{ section: string; items: T[] }> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const section = sectionOf(item);
    const group = groups.get(section);
    if (group) group.push(item);
    else groups.set(section, [item]);
  }
  return [...groups.keys()].sort(compareSections).map((section) => ({ section, items: groups.get(section) ?? [] }));
}
