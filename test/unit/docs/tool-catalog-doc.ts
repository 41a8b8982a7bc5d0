import { seededFaker } from '../../../src/random.js';
import { BUILTIN_TOOLS, toolContext } from '../../../src/world/tools/catalog.js';
import type { CatalogTool } from '../../../src/world/tools/types.js';

/** The generated part of docs/tool-catalog.md sits between these two lines. */
export const BEGIN = '<!-- tool-catalog:begin (generated from src/world/tools/builtin by test/unit/docs/tool-catalog-doc.ts) -->';
export const END = '<!-- tool-catalog:end -->';

// Reports and docs never show a run's real base URL: it differs on every run.
const BASE_URL = '$AGENT_CHAOS_URL';

type Schema = Record<string, unknown>;

const isSchema = (v: unknown): v is Schema => v !== null && typeof v === 'object' && !Array.isArray(v);
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function typeOf(schema: Schema): string {
  if (Array.isArray(schema.enum)) return schema.enum.map((v) => `\`${JSON.stringify(v)}\``).join(' / ');
  const type = typeof schema.type === 'string' ? schema.type : 'any';
  if (type === 'array' && isSchema(schema.items)) {
    const item = schema.items;
    return item.type === 'object' ? 'object[]' : `${typeOf(item)}[]`;
  }
  const bounds = [schema.minimum, schema.maximum].map((b) => (typeof b === 'number' ? String(b) : ''));
  const range = bounds[0] || bounds[1] ? ` (${bounds[0] || '…'}–${bounds[1] || '…'})` : '';
  const most = typeof schema.maxItems === 'number' ? ` (at most ${schema.maxItems})` : '';
  return `${type}${range}${most}`;
}

/** One row per property, nested objects and object lists flattened to `a.b` / `a[].b`. */
function rows(schema: Schema, prefix = ''): string[] {
  const properties = isSchema(schema.properties) ? schema.properties : {};
  const required = new Set(Array.isArray(schema.required) ? schema.required : []);
  const out: string[] = [];
  for (const [name, property] of Object.entries(properties)) {
    if (!isSchema(property)) continue;
    const path = `${prefix}${name}`;
    const description = typeof property.description === 'string' ? property.description : '';
    out.push(`| \`${path}\` | ${cell(typeOf(property))} | ${required.has(name) ? 'yes' : 'no'} | ${cell(description)} |`);
    if (property.type === 'object') out.push(...rows(property, `${path}.`));
    if (property.type === 'array' && isSchema(property.items) && property.items.type === 'object') {
      out.push(...rows(property.items, `${path}[].`));
    }
  }
  return out;
}

/** The JSON type of a sample value, for results without a declared schema. */
function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value === 'number' && Number.isInteger(value) ? 'integer' : typeof value;
}

/** What a tool returns, read from one seeded run of it: fields, their types and which are external ids. */
function resultRows(tool: CatalogTool): string[] {
  const faker = seededFaker(1);
  const { result, externalIds } = tool.run(tool.sampleArgs(faker), toolContext(faker, BASE_URL));
  if (!isSchema(result)) return [`| (result) | ${jsonType(result)} | | |`];
  return Object.entries(result).map(([key, value]) => {
    const id = typeof value === 'string' && externalIds.includes(value) ? 'yes' : '';
    return `| \`${key}\` | ${jsonType(value)} | ${cell(example(value))} | ${id} |`;
  });
}

/** A short sample value: what the tool returned in one seeded run. */
function example(value: unknown): string {
  const text = JSON.stringify(value) ?? '';
  return `\`${text.length > 56 ? `${text.slice(0, 55)}…` : text}\``;
}

/** The external ids a write returns, by the result fields they come from. */
function externalIdFields(tool: CatalogTool): string[] {
  const faker = seededFaker(1);
  const { result, externalIds } = tool.run(tool.sampleArgs(faker), toolContext(faker, BASE_URL));
  if (!isSchema(result)) return [];
  return Object.entries(result)
    .filter(([, value]) => typeof value === 'string' && externalIds.includes(value))
    .map(([key]) => `\`${key}\``);
}

function renderTool(tool: CatalogTool): string {
  const ids = externalIdFields(tool);
  const lines = [
    `### \`${tool.name}\` (${tool.effect})`,
    '',
    tool.description,
    '',
    '| argument | type | required | description |',
    '| --- | --- | --- | --- |',
    ...rows(tool.input_schema),
    '',
  ];
  if (tool.output_schema) {
    lines.push(
      'Result (declared `output_schema`):',
      '',
      '| field | type | required | description |',
      '| --- | --- | --- | --- |',
      ...rows(tool.output_schema),
      '',
    );
  } else {
    lines.push(
      'Result (no declared `output_schema`; sample values from one seeded run):',
      '',
      '| field | type | sample | external id |',
      '| --- | --- | --- | --- |',
      ...resultRows(tool),
      '',
    );
  }
  lines.push(
    ids.length > 0
      ? `External ids (log at least one in \`external_ids\`): ${ids.join(', ')}.`
      : 'External ids: none (`external_ids` may be `[]`).',
    '',
  );
  return lines.join('\n');
}

/** The generated catalog: a summary table, then each tool's arguments and result. */
export function renderToolCatalog(tools: readonly CatalogTool[] = BUILTIN_TOOLS): string {
  const summary = [
    '| tool | effect | required arguments | output schema |',
    '| --- | --- | --- | --- |',
    ...tools.map((t) => {
      const required = Array.isArray(t.input_schema.required) ? t.input_schema.required.map((r) => `\`${r}\``).join(', ') : '';
      return `| [\`${t.name}\`](#${t.name}-${t.effect}) | ${t.effect} | ${required} | ${t.output_schema ? 'yes' : 'no'} |`;
    }),
    '',
  ];
  return [BEGIN, '', ...summary, ...tools.map(renderTool), END].join('\n');
}

/** The generated part of a document (markers included), or undefined when the markers are missing. */
export function generatedPart(doc: string): string | undefined {
  const begin = doc.indexOf(BEGIN);
  const end = doc.indexOf(END);
  if (begin < 0 || end < begin) return undefined;
  return doc.slice(begin, end + END.length);
}
