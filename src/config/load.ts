import { readFileSync, realpathSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { type Document, isMap, isSeq, LineCounter, parseDocument, visit, type Node as YamlNode } from 'yaml';
import type { z } from 'zod';
import { ConfigError, type SourceLocation } from '../errors.js';
import { jsonSyntaxError } from './json-syntax.js';

/** A parsed YAML/JSON document that can answer "which line is this field on?". */
export interface LocatedDocument {
  file: string;
  value: unknown;
  locate(path: readonly PropertyKey[], opts?: { key?: boolean }): SourceLocation;
}

/** Tags a config may carry: YAML's core schema. Any other (`!!js/function`, `!!binary`, `!custom`) is refused. */
const CORE_TAGS = new Set(['str', 'int', 'float', 'bool', 'null', 'map', 'seq'].map((t) => `tag:yaml.org,2002:${t}`));
/** Aliases one document may expand: enough for hand-written anchors, far too few for a "billion laughs". */
const MAX_ALIASES = 100;

/**
 * Parses YAML or JSON text, keeping positions. A `.json` file must be strict JSON. Syntax errors,
 * custom tags and alias bombs become a ConfigError with the line.
 */
export function parseLocated(text: string, file: string): LocatedDocument {
  const json = /\.json$/i.test(file);
  const lineCounter = new LineCounter();
  const at = (offset: number | undefined): { line?: number; col?: number } => (offset === undefined ? {} : lineCounter.linePos(offset));
  const fail = (offset: number | undefined, message: string): never => {
    const pos = at(offset);
    throw new ConfigError({ file, line: pos.line, column: pos.col }, message);
  };
  if (json) {
    const syntax = jsonSyntaxError(text);
    if (syntax) {
      lineCounter.addNewLine(0);
      for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lineCounter.addNewLine(i + 1);
      fail(syntax.offset, `invalid JSON: ${syntax.message}`);
    }
  }
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const first = doc.errors[0];
  if (first) {
    // An unclosed quote is found at the end of the file; the quote that opened it is the mistake.
    let offset = first.pos[0];
    if (first.code === 'MISSING_CHAR' && /quote/.test(first.message)) {
      visit(doc, {
        Scalar(_, node) {
          const [start, end] = node.range ?? [];
          if ((node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE') && start !== undefined && (end ?? 0) >= offset) {
            offset = start;
          }
        },
      });
    }
    const pos = first.linePos?.[0] ?? lineCounter.linePos(offset);
    const message = first.message.split('\n')[0] ?? first.message;
    throw new ConfigError({ file, line: pos?.line, column: pos?.col }, `invalid ${json ? 'JSON' : 'YAML'}: ${message}`);
  }
  let aliases = 0;
  let firstAlias: number | undefined;
  visit(doc, {
    Alias(_, node) {
      aliases++;
      firstAlias ??= node.range?.[0];
      if (node.resolve(doc) === undefined) {
        fail(node.range?.[0], `invalid YAML: the alias *${node.source} names no anchor (&${node.source}) set before it`);
      }
    },
    Node(_, node) {
      if (node.tag !== undefined && !CORE_TAGS.has(node.tag)) {
        const shown = node.tag.replace(/^tag:yaml\.org,2002:/, '!!');
        fail(node.range?.[0], `the tag ${shown} is not allowed: a config holds plain data (no custom or language tags)`);
      }
    },
  });
  let value: unknown;
  try {
    // The text is JSON, so JSON's own reading gives its values exactly.
    value = json ? JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text) : doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch {
    // toJS refuses only an alias expansion past the cap (a "billion laughs"): say so, at the first alias.
    fail(firstAlias, `too many aliases: its ${aliases} alias(es) expand past ${MAX_ALIASES} copies (an alias bomb?); write the values out`);
  }
  return {
    file,
    value,
    locate: (path, opts) => locateNode(doc, lineCounter, file, path, opts?.key ?? false),
  };
}

function locateNode(doc: Document, lines: LineCounter, file: string, path: readonly PropertyKey[], wantKey: boolean): SourceLocation {
  const field = formatFieldPath(path);
  let node: unknown = doc.contents;
  let offset = (doc.contents as YamlNode | null)?.range?.[0];
  for (const [i, segment] of path.entries()) {
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => (p.key as { value?: unknown } | null)?.value === segment);
      if (!pair) break;
      const keyNode = pair.key as YamlNode | null;
      const valueNode = pair.value as YamlNode | null;
      offset = (last && wantKey ? keyNode?.range?.[0] : (valueNode?.range?.[0] ?? keyNode?.range?.[0])) ?? offset;
      node = valueNode;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment] as YamlNode | undefined;
      if (!item) break;
      offset = item.range?.[0] ?? offset;
      node = item;
    } else break;
  }
  // An empty document has no node to point at: its problem is on its first line.
  const pos = offset === undefined ? { line: 1, col: 1 } : lines.linePos(offset);
  return { file, line: pos.line, column: pos.col, field: field || undefined };
}

/** `tools.allow[2]` from `['tools', 'allow', 2]`. */
export function formatFieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out ? `.${String(seg)}` : String(seg);
  }
  return out;
}

/** Turns zod issues into ConfigErrors located in the document; the first one carries the rest. */
export function issuesToError(
  doc: LocatedDocument,
  issues: readonly z.core.$ZodIssue[],
  basePath: readonly PropertyKey[] = [],
): ConfigError {
  const errors = issues.map((issue) => {
    const path = [...basePath, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      const key = issue.keys[0] ?? '';
      const loc = doc.locate([...path, key], { key: true });
      return new ConfigError(
        loc,
        `unknown field${issue.keys.length > 1 ? `s ${issue.keys.map((k) => `"${k}"`).join(', ')}` : ` "${key}"`}`,
      );
    }
    return new ConfigError(doc.locate(path), issue.message);
  });
  const [first, ...rest] = errors;
  if (!first) throw new Error('issuesToError called without issues');
  return new ConfigError(first.location, first.detail, rest);
}

/** Validates a located document against a zod schema, throwing a located ConfigError. */
export function validateLocated<S extends z.ZodType>(doc: LocatedDocument, schema: S, basePath: readonly PropertyKey[] = []): z.output<S> {
  const result = schema.safeParse(doc.value);
  if (!result.success) throw issuesToError(doc, result.error.issues, basePath);
  return result.data;
}

/** The text of a config file; `file` is named as given in errors and read relative to `cwd`. */
export function readConfigText(file: string, cwd?: string): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(cwd === undefined ? file : resolve(cwd, file));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'a folder, not a file' : `cannot read file (${code ?? String(err)})`;
    throw new ConfigError({ file }, why);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    // Read leniently only to say where: the first byte that is not UTF-8 becomes U+FFFD.
    const text = new TextDecoder('utf-8').decode(bytes);
    const at = text.indexOf('\uFFFD');
    const line = text.slice(0, Math.max(0, at)).split('\n').length;
    throw new ConfigError({ file, line }, 'not UTF-8 text: save the file as UTF-8');
  }
}

/** Reads, parses and validates one YAML or JSON file. */
export function loadFile<S extends z.ZodType>(file: string, schema: S, cwd?: string): { data: z.output<S>; doc: LocatedDocument } {
  const doc = parseLocated(readConfigText(file, cwd), file);
  return { data: validateLocated(doc, schema), doc };
}

/** True for a folder; false for a file or nothing at all. */
export function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** The same file or folder reached by two paths is one. */
export function realPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

/** One record of a record file (a corpus's entries, a cassette's answers), with where it is. */
export interface RecordItem {
  value: unknown;
  line: number | undefined;
  locate(path: readonly PropertyKey[]): ConfigError['location'];
  error(issues: readonly z.core.$ZodIssue[]): ConfigError;
}

/** The records of a record file: JSONL (one a line), or a YAML or JSON list. */
export function readRecordFile(file: string, problems: ConfigError[]): RecordItem[] {
  return file.endsWith('.jsonl') ? readJsonlRecords(file, problems) : readListRecords(file, problems);
}

/** The records of a JSONL file, one a line; a line that is not JSON is a problem naming it. */
function readJsonlRecords(file: string, problems: ConfigError[]): RecordItem[] {
  const items: RecordItem[] = [];
  readConfigText(file)
    .split('\n')
    .forEach((raw, i) => {
      const line = i + 1;
      if (raw.trim() === '') return;
      let value: unknown;
      try {
        value = JSON.parse(raw);
      } catch (err) {
        problems.push(new ConfigError({ file, line }, `invalid JSON: ${(err as Error).message}`));
        return;
      }
      const locate = (path: readonly PropertyKey[]) => ({ file, line, field: formatFieldPath(path) || undefined });
      items.push({
        value,
        line,
        locate,
        error(issues) {
          const errors = issues.map((issue) =>
            issue.code === 'unrecognized_keys'
              ? new ConfigError(locate([...issue.path, issue.keys[0] ?? '']), `unknown field "${issue.keys[0] ?? ''}"`)
              : new ConfigError(locate(issue.path), issue.message),
          );
          const [head, ...tail] = errors as [ConfigError, ...ConfigError[]];
          return new ConfigError(head.location, head.detail, tail);
        },
      });
    });
  return items;
}

/** The records of a YAML or JSON file that holds a list; anything else is a problem naming it. */
function readListRecords(file: string, problems: ConfigError[]): RecordItem[] {
  let doc: LocatedDocument;
  try {
    doc = parseLocated(readConfigText(file), file);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.push(err);
    return [];
  }
  if (!Array.isArray(doc.value)) {
    problems.push(new ConfigError(doc.locate([]), 'the file must hold a list'));
    return [];
  }
  // Fields are named within the record (`goal.to`, not `[3].goal.to`): the line says which record.
  const within = (loc: ConfigError['location']) => ({ ...loc, field: loc.field?.replace(/^\[\d+\]\.?/, '') || undefined });
  return doc.value.map((value, i) => ({
    value,
    line: doc.locate([i]).line,
    locate: (path) => within(doc.locate([i, ...path])),
    error: (issues) => {
      const [head, ...tail] = flatten(issuesToError(doc, issues, [i])).map((e) => new ConfigError(within(e.location), e.detail));
      return new ConfigError((head as ConfigError).location, (head as ConfigError).detail, tail);
    },
  }));
}

/** A ConfigError and the further problems it carries, one error each. */
export function flatten(err: ConfigError): ConfigError[] {
  return [new ConfigError(err.location, err.detail), ...err.more];
}
