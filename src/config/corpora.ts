import { existsSync, readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { ConfigError, formatLocation } from '../errors.js';
import { packageRoot } from '../paths.js';
import { type CorpusEntry, type CorpusManifest, corpusEntrySchema, corpusManifestSchema } from './corpus.js';
import { flatten, isDir, loadFile, parseLocated, readConfigText, readRecordFile, realPath } from './load.js';

/** An entry with the corpus and the place it came from. */
export type LoadedEntry = CorpusEntry & { corpus: string; file: string; line: number | undefined };

/** A loaded corpus: its manifest, where it lives, and its entries in file order. */
export interface Corpus extends CorpusManifest {
  dir: string;
  file: string;
  entries: LoadedEntry[];
}

export const CORPUS_MANIFEST_NAMES = ['corpus.yaml', 'corpus.yml', 'corpus.json'] as const;
const ENTRY_FILE = /\.(jsonl|ya?ml|json)$/;

/** The built-in corpora folder. */
export function builtinCorporaDir(): string {
  return join(packageRoot(), 'corpora');
}

/** The manifest file of a corpus folder, if it is one. */
export function corpusManifestFile(dir: string): string | undefined {
  return CORPUS_MANIFEST_NAMES.map((n) => join(dir, n)).find((f) => existsSync(f));
}

/**
 * Loads one corpus folder: its manifest, then every entry file beside it or below it (JSONL, one
 * entry a line; or YAML/JSON, a list of entries). Every bad entry is reported, each naming file,
 * line and field; a duplicate id is an error.
 */
export function loadCorpus(dir: string): Corpus {
  const manifestFile = corpusManifestFile(dir);
  if (!manifestFile) throw new ConfigError({ file: dir }, `not a corpus: no ${CORPUS_MANIFEST_NAMES.join(' or ')} in the folder`);
  const { data: manifest } = loadFile(manifestFile, corpusManifestSchema);

  const entries = readEntries(entryFiles(dir, manifestFile), manifest.name);
  if (entries.length === 0)
    throw new ConfigError({ file: manifestFile }, 'the corpus has no entries (entry files: *.jsonl, *.yaml, *.json)');
  return { ...manifest, dir, file: manifestFile, entries };
}

/**
 * The entries of entry files, every bad one reported (file, line, field) in one ConfigError that
 * carries the rest; a duplicate id across the files is an error.
 */
export function readEntries(files: readonly string[], corpus: string): LoadedEntry[] {
  const problems: ConfigError[] = [];
  const entries: LoadedEntry[] = [];
  const seen = new Map<string, string>();
  for (const file of files) {
    for (const item of readRecordFile(file, problems)) {
      const result = corpusEntrySchema.safeParse(item.value);
      if (!result.success) {
        problems.push(...flatten(item.error(result.error.issues)));
        continue;
      }
      const here = formatLocation({ file, line: item.line });
      const first = seen.get(result.data.id);
      if (first) {
        problems.push(new ConfigError(item.locate(['id']), `duplicate entry id "${result.data.id}" (first at ${first})`));
        continue;
      }
      seen.set(result.data.id, here);
      entries.push({ ...result.data, corpus, file, line: item.line });
    }
  }
  const [first, ...rest] = problems;
  if (first) throw new ConfigError(first.location, first.detail, rest);
  return entries;
}

/**
 * Loads corpora from folders, each a corpus itself or a folder of corpora (one level down).
 * Names must be unique across all of them.
 */
export function loadCorpora(dirs: readonly string[]): Map<string, Corpus> {
  const corpora = new Map<string, Corpus>();
  const problems: ConfigError[] = [];
  const read = new Set<string>();
  for (const dir of dirs) {
    if (!isDir(dir)) {
      problems.push(new ConfigError({ file: dir }, 'no corpus here: no such folder (a corpus folder, or a folder of corpora)'));
      continue;
    }
    const candidates = corpusManifestFile(dir) ? [dir] : subfolders(dir).filter((d) => corpusManifestFile(d));
    if (candidates.length === 0) {
      problems.push(new ConfigError({ file: dir }, `no corpus here: neither ${CORPUS_MANIFEST_NAMES[0]} nor folders with one`));
    }
    // The same folder named twice (a manifest's corpora and --corpus) is one corpus, not a duplicate.
    const folders = candidates.filter((f) => {
      const key = realPath(f);
      if (read.has(key)) return false;
      read.add(key);
      return true;
    });
    for (const folder of folders) {
      let corpus: Corpus;
      try {
        corpus = loadCorpus(folder);
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        problems.push(...flatten(err));
        continue;
      }
      const other = corpora.get(corpus.name);
      if (other) {
        const doc = parseLocated(readConfigText(corpus.file), corpus.file);
        problems.push(new ConfigError(doc.locate(['name']), `duplicate corpus name "${corpus.name}" (also ${other.file})`));
        continue;
      }
      corpora.set(corpus.name, corpus);
    }
  }
  const [first, ...rest] = problems;
  if (first) throw new ConfigError(first.location, first.detail, rest);
  return corpora;
}

function entryFiles(dir: string, manifestFile: string): string[] {
  const out: string[] = [];
  const walk = (d: string, depth: number) => {
    for (const name of readdirSync(d).sort()) {
      const path = join(d, name);
      if (isDir(path)) {
        if (depth < 4 && !name.startsWith('.')) walk(path, depth + 1);
      } else if (ENTRY_FILE.test(name) && resolve(path) !== resolve(manifestFile)) out.push(path);
    }
  };
  walk(dir, 0);
  return out.sort((a, b) => relative(dir, a).localeCompare(relative(dir, b)));
}

function subfolders(dir: string): string[] {
  try {
    return readdirSync(dir)
      .sort()
      .map((n) => join(dir, n))
      .filter(isDir);
  } catch {
    return [];
  }
}
