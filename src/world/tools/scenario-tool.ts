import type { Faker } from '@faker-js/faker';
import type { ToolDefinition } from '../../config/scenario.js';
import { isPlainObject } from '../canonical.js';
import type { CatalogTool } from './types.js';

/**
 * A scenario's tool: its fixed `result` verbatim, or an echo `{ok: true, id}` with a counter id.
 * Ids of a fixed result are taken from its top-level `id`/`url`/`*_id`/`*_url` strings, since the
 * scenario cannot say which of its fields were created.
 */
export function scenarioTool(definition: ToolDefinition): CatalogTool {
  const schema = definition.input_schema;
  return {
    name: definition.name,
    description: definition.description,
    effect: definition.effect,
    input_schema: schema,
    ...(definition.output_schema ? { output_schema: definition.output_schema } : {}),
    sampleArgs: (faker) => sampleFromSchema(schema, faker),
    run(_args, ctx) {
      if (definition.result !== undefined) return { result: definition.result, externalIds: idsIn(definition.result) };
      const id = ctx.nextId(definition.name);
      return { result: { ok: true, id }, externalIds: [id] };
    },
  };
}

function idsIn(result: unknown): string[] {
  if (!isPlainObject(result)) return [];
  return Object.entries(result)
    .filter(([key, value]) => typeof value === 'string' && /(^|_)(id|url)$/.test(key))
    .map(([, value]) => value as string);
}

// Values for the schema's required properties only, by declared type: enough for a plausible call.
function sampleFromSchema(schema: Record<string, unknown>, faker: Faker): Record<string, unknown> {
  const properties = isPlainObject(schema.properties) ? schema.properties : {};
  const required = Array.isArray(schema.required) ? schema.required.filter((r): r is string => typeof r === 'string') : [];
  const args: Record<string, unknown> = {};
  for (const name of required) {
    const property = properties[name];
    args[name] = sampleValue(isPlainObject(property) ? property : {}, faker);
  }
  return args;
}

function sampleValue(property: Record<string, unknown>, faker: Faker): unknown {
  if (Array.isArray(property.enum) && property.enum.length > 0) return faker.helpers.arrayElement(property.enum);
  switch (property.type) {
    case 'integer':
      return faker.number.int({ min: 1, max: 100 });
    case 'number':
      return faker.number.float({ min: 1, max: 100, fractionDigits: 2 });
    case 'boolean':
      return faker.datatype.boolean();
    case 'array':
      return [];
    case 'object':
      return {};
    default:
      return faker.lorem.word();
  }
}
