import type { Faker } from '@faker-js/faker';

/**
 * Fixed "now" of the simulated world. faker's date helpers default to the real clock, which
 * would make results differ between runs of the same seed.
 */
export const WORLD_EPOCH = new Date('2025-06-02T09:30:00.000Z');

/** An RFC 3339 time in the weeks before the world's epoch. */
export function pastTime(faker: Faker, days = 30): string {
  return faker.date.recent({ days, refDate: WORLD_EPOCH }).toISOString();
}

/** An RFC 3339 time just after the world's epoch, for things created by a call. */
export function nowish(faker: Faker): string {
  return faker.date.soon({ days: 1, refDate: WORLD_EPOCH }).toISOString();
}

/** A string argument, or the fallback when the model sent something else. */
export function str(args: Record<string, unknown>, key: string, fallback: () => string): string {
  const value = args[key];
  return typeof value === 'string' && value !== '' ? value : fallback();
}

export function num(args: Record<string, unknown>, key: string, fallback: () => number): number {
  const value = args[key];
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return fallback();
}

/**
 * A helpdesk-like one-line summary. Built from en words only: the cases' faker carries no
 * `base` locale, which `hacker.phrase` and `system.filePath` need.
 */
export function summary(faker: Faker): string {
  const noun = faker.hacker.noun();
  return faker.helpers.arrayElement([
    `Cannot ${faker.hacker.verb()} the ${faker.hacker.adjective()} ${noun}`,
    `${noun[0]!.toUpperCase()}${noun.slice(1)} is down since the last deploy`,
    `Error while ${faker.hacker.ingverb()} the ${noun}`,
    `${faker.hacker.adjective()} ${noun} times out for some customers`,
  ]);
}

export function ticketId(faker: Faker): string {
  return `TCK-${faker.number.int({ min: 1000, max: 9999 })}`;
}

export function repoName(faker: Faker): string {
  return `acme/${faker.helpers.slugify(`${faker.word.adjective()}-${faker.word.noun()}`).toLowerCase()}`;
}

/** Addresses on reserved domains only: nothing the world makes up can reach a real mailbox. */
export function email(faker: Faker): string {
  return faker.internet.email({ provider: 'example.com' }).toLowerCase();
}

export function person(faker: Faker): { name: string; email: string } {
  const firstName = faker.person.firstName();
  const lastName = faker.person.lastName();
  return {
    name: `${firstName} ${lastName}`,
    email: faker.internet.email({ firstName, lastName, provider: 'example.com' }).toLowerCase(),
  };
}

export function money(faker: Faker, min = 5, max = 500): number {
  return Number(faker.finance.amount({ min, max, dec: 2 }));
}
