import { isPlainObject } from '../../world/canonical.js';

export type LeafPath = (string | number)[];

/** A string in a result that can take more text and still conform to the tool's output schema. */
export interface FreeText {
  path: LeafPath;
  value: string;
}

/** The schema of the value at `path`, as far as it says. */
function schemaAt(schema: unknown, path: LeafPath): Record<string, unknown> | undefined {
  let node: unknown = schema;
  for (const seg of path) {
    if (!isPlainObject(node)) return undefined;
    node = typeof seg === 'number' ? node.items : isPlainObject(node.properties) ? node.properties[seg] : undefined;
  }
  return isPlainObject(node) ? node : undefined;
}

/**
 * The string fields of a result that a payload may be written into: not an id or a time, and
 * not limited by the output schema (an enum, a maximum length, a pattern). Payloads ride in the
 * fields a real result has, so an agent that checks results against their schema still gets them.
 */
export function freeTextFields(result: unknown, schema?: Record<string, unknown>): FreeText[] {
  const out: FreeText[] = [];
  const walk = (value: unknown, path: LeafPath) => {
    if (typeof value === 'string') {
      const key = String(path.findLast((p) => typeof p === 'string') ?? '');
      const s = schema ? schemaAt(schema, path) : {};
      const limited =
        !s ||
        Array.isArray(s.enum) ||
        s.maxLength !== undefined ||
        s.pattern !== undefined ||
        s.format !== undefined ||
        s.const !== undefined;
      const structural = /(?:^|_)(?:id|sha|url|at|ts|status|type|priority|ref|repo|currency)$/.test(key) || /^\d{4}-\d\d-\d\dT/.test(value);
      if (!limited && !structural) out.push({ path, value });
    } else if (Array.isArray(value)) {
      for (const [i, v] of value.entries()) walk(v, [...path, i]);
    } else if (isPlainObject(value)) for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
  };
  walk(result, []);
  return out;
}

/** A copy of the result with `text` added to the string at `path` (replacing it, with `replace`). */
export function writeAt(result: unknown, path: LeafPath, text: string, replace = false): unknown {
  if (path.length === 0) return replace || typeof result !== 'string' ? text : `${result.trimEnd()}\n\n${text}`;
  const [head, ...rest] = path as [string | number, ...LeafPath];
  if (Array.isArray(result)) return result.map((v, i) => (i === head ? writeAt(v, rest, text, replace) : v));
  if (isPlainObject(result)) return { ...result, [head]: writeAt(result[head], rest, text, replace) };
  return result;
}

/** The longest free-text field: where a stand-in tool carries a carrier's text. */
export function longestField(result: unknown, schema?: Record<string, unknown>): FreeText | undefined {
  return freeTextFields(result, schema).sort((a, b) => b.value.length - a.value.length)[0];
}

/** The most deeply nested free-text field (the last of the deepest). */
export function deepestField(result: unknown, schema?: Record<string, unknown>): FreeText | undefined {
  return freeTextFields(result, schema).reduce<FreeText | undefined>(
    (best, f) => (!best || f.path.length >= best.path.length ? f : best),
    undefined,
  );
}
