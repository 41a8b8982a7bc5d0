import { isPlainObject } from '../world/canonical.js';

/**
 * The JSON Schema keywords tool output schemas use here: `type` (one or a list), `properties`,
 * `required`, `additionalProperties: false`, `items`, `enum`, `minimum`, `maximum`, `minLength`,
 * `maxLength`, `maxItems`. Other keywords are ignored, so an unknown keyword never rejects.
 */
export type JsonSchema = Record<string, unknown>;

/** The first way `value` breaks `schema`, as `path: problem`; undefined when it conforms. */
export function schemaProblem(value: unknown, schema: JsonSchema, path = '$'): string | undefined {
  const types = typeof schema.type === 'string' ? [schema.type] : Array.isArray(schema.type) ? schema.type : undefined;
  if (types && !types.some((t) => hasType(value, String(t)))) return `${path}: expected ${types.join(' or ')}, got ${typeName(value)}`;
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => e === value)) return `${path}: not one of ${JSON.stringify(schema.enum)}`;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return `${path}: not a finite number`;
    if (typeof schema.minimum === 'number' && value < schema.minimum) return `${path}: ${value} is below ${schema.minimum}`;
    if (typeof schema.maximum === 'number' && value > schema.maximum) return `${path}: ${value} is above ${schema.maximum}`;
  }
  if (typeof value === 'string') {
    if (typeof schema.minLength === 'number' && value.length < schema.minLength) return `${path}: shorter than ${schema.minLength}`;
    if (typeof schema.maxLength === 'number' && value.length > schema.maxLength) return `${path}: longer than ${schema.maxLength}`;
  }
  if (Array.isArray(value)) {
    if (typeof schema.maxItems === 'number' && value.length > schema.maxItems) return `${path}: more than ${schema.maxItems} items`;
    if (isPlainObject(schema.items)) {
      for (let i = 0; i < value.length; i++) {
        const problem = schemaProblem(value[i], schema.items, `${path}[${i}]`);
        if (problem) return problem;
      }
    }
  }
  if (isPlainObject(value)) {
    const properties = isPlainObject(schema.properties) ? schema.properties : {};
    for (const key of Array.isArray(schema.required) ? schema.required : []) {
      if (!Object.hasOwn(value, String(key))) return `${path}: missing required "${key}"`;
    }
    for (const [key, item] of Object.entries(value)) {
      const property = properties[key];
      if (isPlainObject(property)) {
        const problem = schemaProblem(item, property, `${path}.${key}`);
        if (problem) return problem;
      } else if (schema.additionalProperties === false) return `${path}: unexpected "${key}"`;
    }
  }
  return undefined;
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case 'null':
      return value === null;
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'number':
      return typeof value === 'number';
    case 'array':
      return Array.isArray(value);
    case 'object':
      return isPlainObject(value);
    default:
      return typeof value === type;
  }
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value === 'number' && Number.isInteger(value) ? 'integer' : typeof value;
}
