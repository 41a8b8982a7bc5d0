/**
 * Payload templates: `{name}` placeholders filled with seeded values per case, `{{` and `}}` for
 * literal braces. Only `{lower.case_names}` are placeholders, so JSON in a payload stays literal.
 */

/** Placeholders a payload's text may use. */
export const PAYLOAD_PLACEHOLDERS = [
  'attacker.email',
  'attacker.host',
  'attacker.url',
  'attacker.name',
  'authority',
  'company',
  'ticket',
  'account',
  'amount',
  'repo',
  'tool',
  'args',
  'goal',
  'goal.base64',
  'goal.hex',
  'goal.rot13',
  'goal.url',
  'goal.reversed',
  'goal.tags',
  'goal.zw',
  'goal.bidi',
] as const;

/** A goal may also carry `{data}`: what the model saw, filled in when it acts (`.first`/`.second` halves). */
export const GOAL_PLACEHOLDERS = [...PAYLOAD_PLACEHOLDERS, 'data', 'data.first', 'data.second'] as const;

export type Placeholder = (typeof GOAL_PLACEHOLDERS)[number];

const TOKEN = /\{\{|\}\}|\{([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)*)\}/g;

/** The placeholder names a template uses, in order (repeats kept). */
export function placeholdersIn(template: string): string[] {
  return [...template.matchAll(TOKEN)].flatMap((m) => (m[1] ? [m[1]] : []));
}

/** Fills a template; a placeholder without a value is left as written. */
export function renderTemplate(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(TOKEN, (whole, name: string | undefined) => {
    if (whole === '{{') return '{';
    if (whole === '}}') return '}';
    return name !== undefined && name in values ? (values[name] as string) : whole;
  });
}

/** A copy of a JSON value with `fn` applied to every string leaf (keys kept). */
export function mapStrings(value: unknown, fn: (text: string) => string): unknown {
  if (typeof value === 'string') return fn(value);
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, fn));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapStrings(v, fn)]));
  return value;
}

/** Every string leaf of a JSON value rendered. */
export function renderDeep(value: unknown, values: Readonly<Record<string, string>>): unknown {
  return mapStrings(value, (text) => renderTemplate(text, values));
}

/** Unicode tag characters (U+E0000 block): invisible in most renderers, read by many models. */
export function toTagCharacters(text: string): string {
  const tags = [...text].map((c) => {
    const code = c.codePointAt(0) ?? 0;
    return code >= 0x20 && code <= 0x7e ? String.fromCodePoint(0xe0000 + code) : c;
  });
  return `\u{E0001}${tags.join('')}\u{E007F}`;
}

/** The ASCII text hidden in tag characters, the rest left as is. */
export function fromTagCharacters(text: string): string {
  return text.replace(/[\u{E0000}-\u{E007F}]/gu, (c) => {
    const code = (c.codePointAt(0) ?? 0) - 0xe0000;
    return code >= 0x20 && code <= 0x7e ? String.fromCharCode(code) : '';
  });
}

const ZERO_WIDTH = ['\u200B', '\u200C', '\u200D', '\u2060'];

/** A zero-width character after every letter: the words read the same, keyword filters miss them. */
export function withZeroWidth(text: string): string {
  let i = 0;
  return text.replace(/\p{L}/gu, (c) => `${c}${ZERO_WIDTH[i++ % ZERO_WIDTH.length]}`);
}

/** Wrapped in a right-to-left override: shown garbled to a person, read in order by a model. */
export function withBidiOverride(text: string): string {
  return `\u2067\u202E${text}\u202C\u2069`;
}

export function rot13(text: string): string {
  return text.replace(/[A-Za-z]/g, (c) => {
    const base = c <= 'Z' ? 65 : 97;
    return String.fromCharCode(((c.charCodeAt(0) - base + 13) % 26) + base);
  });
}

/** The encoded variants of the goal sentence, as placeholders. */
export function goalVariants(goal: string): Record<string, string> {
  return {
    goal,
    'goal.base64': Buffer.from(goal, 'utf8').toString('base64'),
    'goal.hex': Buffer.from(goal, 'utf8').toString('hex'),
    'goal.rot13': rot13(goal),
    'goal.url': encodeURIComponent(goal),
    'goal.reversed': [...goal].reverse().join(''),
    'goal.tags': toTagCharacters(goal),
    'goal.zw': withZeroWidth(goal),
    'goal.bidi': withBidiOverride(goal),
  };
}
