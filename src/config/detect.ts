import { readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ConfigError } from '../errors.js';
import { PACK_NAMES } from './common.js';
import { CORPUS_MANIFEST_NAMES, corpusManifestFile } from './corpora.js';
import { isDir, parseLocated, readConfigText } from './load.js';

/** What a file holds, judged by its content. */
export type FileKind = 'manifest' | 'scenario' | 'corpus-manifest' | 'corpus-entries' | 'cassette';

/** What a folder holds. */
export type FolderKind = 'corpus' | 'corpora' | 'pack' | 'scenarios-root';

// Top-level fields only one kind of file has. `tools`, `identity` and `description` are shared.
const MANIFEST_FIELDS = ['agent', 'budgets', 'egress', 'model_may_see_secrets', 'corpora', 'packs', 'run'];
const SCENARIO_FIELDS = ['id', 'title', 'pack', 'controls', 'trigger', 'hints', 'model', 'requires'];
const SCENARIO_EXTRA = ['fuzz', 'mcp', 'human', 'faults', 'injection', 'bait'];
const CORPUS_FIELDS = ['name', 'version', 'source', 'license'];
const ENTRY_FIELDS = ['technique', 'goal', 'parts', 'tags', 'delay'];
const ANSWER_FIELDS = ['choices', 'output', 'content', 'response'];

const MANIFEST_NAME = /^agent-chaos\.config\.(ya?ml|json)$/;
const KINDS_HELP =
  'a manifest has "agent:", a scenario "id:" and "controls:", a corpus.yaml "name:" and "license:", a corpus entry file a list of entries with "technique:" and "goal:", a cassette a list of recorded model answers ("choices", "output" or "content")';

const hits = (record: Record<string, unknown>, fields: readonly string[]) => fields.filter((f) => f in record).length;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * What a config file is, by its content rather than its name: a manifest, a scenario, a corpus
 * manifest, a corpus's entries or a cassette. Throws a located ConfigError when it cannot be read
 * or is none of them.
 */
export function detectFileKind(file: string): FileKind {
  if (file.endsWith('.jsonl')) {
    const first = firstJsonlRecord(file);
    return isObject(first) && hits(first, ENTRY_FIELDS) > hits(first, ANSWER_FIELDS) ? 'corpus-entries' : 'cassette';
  }
  const doc = parseLocated(readConfigText(file), file);
  const value = doc.value;
  if (Array.isArray(value)) {
    const first = value.find(isObject);
    if (first && hits(first, ENTRY_FIELDS) > 0) return 'corpus-entries';
    if (first && hits(first, ANSWER_FIELDS) > 0) return 'cassette';
    throw new ConfigError(doc.locate([]), `a list of neither corpus entries nor recorded model answers: ${KINDS_HELP}`);
  }
  if (!isObject(value)) throw new ConfigError(doc.locate([]), `not a config: the file holds no fields; ${KINDS_HELP}`);
  const scores: [FileKind, number][] = [
    ['manifest', hits(value, MANIFEST_FIELDS) * 2 + (MANIFEST_NAME.test(basename(file)) ? 1 : 0)],
    ['scenario', hits(value, SCENARIO_FIELDS) * 2 + hits(value, SCENARIO_EXTRA)],
    ['corpus-manifest', hits(value, CORPUS_FIELDS) * 2 + ((CORPUS_MANIFEST_NAMES as readonly string[]).includes(basename(file)) ? 1 : 0)],
    ['cassette', hits(value, ANSWER_FIELDS)],
  ];
  const [kind, score] = scores.reduce((best, s) => (s[1] > best[1] ? s : best));
  if (score > 0) return kind;
  if (MANIFEST_NAME.test(basename(file))) return 'manifest';
  throw new ConfigError(doc.locate([]), `cannot tell what this file is: ${KINDS_HELP}`);
}

function firstJsonlRecord(file: string): unknown {
  const lines = readConfigText(file).split('\n');
  for (const [i, line] of lines.entries()) {
    if (line.trim() === '') continue;
    try {
      return JSON.parse(line);
    } catch (err) {
      throw new ConfigError({ file, line: i + 1 }, `invalid JSON: ${(err as Error).message}`);
    }
  }
  throw new ConfigError({ file }, 'the file is empty: a JSONL file holds one record a line');
}

/**
 * What a folder is: a corpus (it has a corpus.yaml), a folder of corpora, a pack folder (named
 * after a pack) or a scenarios root (it has pack folders). Throws a ConfigError naming the folder
 * when it is none of them, so a mistyped folder is never taken for an empty one.
 */
export function detectFolderKind(dir: string): FolderKind {
  if (corpusManifestFile(dir)) return 'corpus';
  if ((PACK_NAMES as readonly string[]).includes(basename(dir))) return 'pack';
  const names = readdirSync(dir);
  if (names.some((n) => (PACK_NAMES as readonly string[]).includes(n) && isDir(join(dir, n)))) return 'scenarios-root';
  if (hasCorpusFolders(dir)) return 'corpora';
  throw new ConfigError(
    { file: dir },
    `nothing to check here: not a corpus (no ${CORPUS_MANIFEST_NAMES[0]}), not a folder of corpora, not a pack folder (${PACK_NAMES.join(', ')}) nor a folder of them`,
  );
}

/** The corpus folder an entry file belongs to: the nearest folder above it with a corpus.yaml (at most 5 up). */
export function enclosingCorpus(file: string): string | undefined {
  let dir = dirname(file);
  for (let i = 0; i < 5; i++) {
    if (corpusManifestFile(dir)) return dir;
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
  return undefined;
}

/** True when a folder directly holds corpus folders. */
export function hasCorpusFolders(dir: string): boolean {
  return readdirSync(dir).some((n) => isDir(join(dir, n)) && corpusManifestFile(join(dir, n)) !== undefined);
}
