// @ts-check
// What a tool result must be before the agent treats it as data: no deeper than we can safely walk,
// and conforming to the output schema the tool declared. A result that is not is malformed: it is
// logged as an error and never handed to the model as a result.

const MAX_DEPTH = 64;

/**
 * Why a result cannot be used, or undefined when it can.
 * @param {unknown} result @param {object | undefined} schema
 * @returns {string | undefined}
 */
export function resultProblem(result, schema) {
  if (depthOver(result, MAX_DEPTH)) return `the result is nested deeper than ${MAX_DEPTH} levels`;
  return schema ? schemaProblem(result, /** @type {Record<string, any>} */ (schema), '$') : undefined;
}

/** Iterative, so a hostile depth cannot overflow the stack. @param {unknown} value @param {number} max */
function depthOver(value, max) {
  /** @type {[unknown, number][]} */
  const stack = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = /** @type {[unknown, number]} */ (stack.pop());
    if (v === null || typeof v !== 'object') continue;
    if (depth >= max) return true;
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}

/**
 * The JSON Schema keywords tool output schemas use (type, properties, required,
 * additionalProperties false, items, enum, minimum, maximum, minLength, maxLength, maxItems).
 * @param {unknown} value @param {Record<string, any>} schema @param {string} path
 * @returns {string | undefined}
 */
function schemaProblem(value, schema, path) {
  const types = typeof schema.type === 'string' ? [schema.type] : Array.isArray(schema.type) ? schema.type : undefined;
  if (types && !types.some((t) => hasType(value, t))) return `${path} is not ${types.join(' or ')}`;
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) return `${path} is not one of the allowed values`;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return `${path} is not a finite number`;
    if (typeof schema.minimum === 'number' && value < schema.minimum) return `${path} is below ${schema.minimum}`;
    if (typeof schema.maximum === 'number' && value > schema.maximum) return `${path} is above ${schema.maximum}`;
  }
  if (typeof value === 'string') {
    if (typeof schema.minLength === 'number' && value.length < schema.minLength) return `${path} is too short`;
    if (typeof schema.maxLength === 'number' && value.length > schema.maxLength) return `${path} is too long`;
  }
  if (Array.isArray(value)) {
    if (typeof schema.maxItems === 'number' && value.length > schema.maxItems) return `${path} has too many items`;
    if (schema.items && typeof schema.items === 'object') {
      for (let i = 0; i < value.length; i++) {
        const problem = schemaProblem(value[i], schema.items, `${path}[${i}]`);
        if (problem) return problem;
      }
    }
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const properties = schema.properties && typeof schema.properties === 'object' ? schema.properties : {};
    for (const key of Array.isArray(schema.required) ? schema.required : []) {
      if (!Object.hasOwn(value, key)) return `${path}.${key} is missing`;
    }
    for (const [key, item] of Object.entries(value)) {
      if (properties[key] && typeof properties[key] === 'object') {
        const problem = schemaProblem(item, properties[key], `${path}.${key}`);
        if (problem) return problem;
      } else if (schema.additionalProperties === false) return `${path}.${key} is not in the schema`;
    }
  }
  return undefined;
}

/** @param {unknown} value @param {string} type */
function hasType(value, type) {
  if (type === 'null') return value === null;
  if (type === 'integer') return Number.isInteger(value);
  if (type === 'array') return Array.isArray(value);
  if (type === 'object') return value !== null && typeof value === 'object' && !Array.isArray(value);
  return typeof value === type;
}
