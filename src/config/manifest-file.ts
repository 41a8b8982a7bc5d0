import { readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import { BUILTIN_TOOLS } from '../world/tools/catalog.js';
import { CORPUS_MANIFEST_NAMES, corpusManifestFile } from './corpora.js';
import { detectFileKind } from './detect.js';
import { isDir, loadFile } from './load.js';
import { type Manifest, manifestSchema } from './manifest.js';

/** A manifest with where it came from, so relative paths resolve against its folder. */
export interface LoadedManifest {
  manifest: Manifest;
  file: string;
  dir: string;
}

/**
 * Reads and validates a manifest (`agent-chaos.config.yaml` or `.json`). `file` is named as given
 * in messages and resolved against `cwd`.
 */
export function loadManifest(file: string, cwd = process.cwd()): LoadedManifest {
  let loaded: ReturnType<typeof loadFile<typeof manifestSchema>>;
  try {
    loaded = loadFile(file, manifestSchema, cwd);
  } catch (err) {
    throw err instanceof ConfigError ? (misnamed(file, cwd, err) ?? err) : err;
  }
  const { data: manifest, doc } = loaded;
  const known = new Set([...BUILTIN_TOOLS.map((t) => t.name), ...manifest.tools.custom.map((t) => t.name)]);
  for (const list of ['allow', 'write', 'protected', 'forbidden'] as const) {
    manifest.tools[list].forEach((name, i) => {
      if (!known.has(name)) {
        throw new ConfigError(
          doc.locate(['tools', list, i]),
          `unknown tool "${name}": not in the world's catalog; declare it under tools.custom`,
        );
      }
    });
  }
  const dir = dirname(resolve(cwd, file));
  // Checked here, not when a run first needs them, so the error points into the manifest.
  manifest.corpora?.forEach((folder, i) => {
    const path = resolve(dir, folder);
    if (!isDir(path)) throw new ConfigError(doc.locate(['corpora', i]), `no such folder: ${path} (relative to this file)`);
    if (!corpusManifestFile(path) && !readdirSync(path).some((n) => corpusManifestFile(join(path, n)))) {
      throw new ConfigError(
        doc.locate(['corpora', i]),
        `${path} is not a corpus: no ${CORPUS_MANIFEST_NAMES.join(' or ')} in it nor in a folder below it`,
      );
    }
  });
  return { manifest, file, dir };
}

const KIND_NAMES = {
  scenario: 'a scenario',
  'corpus-manifest': "a corpus's corpus.yaml",
  'corpus-entries': 'corpus entries',
  cassette: 'a cassette',
};

/** A file given as a manifest that holds something else: said first, so the field errors make sense. */
function misnamed(file: string, cwd: string, err: ConfigError): ConfigError | undefined {
  let kind: string;
  try {
    kind = detectFileKind(resolve(cwd, file));
  } catch {
    return undefined;
  }
  if (kind === 'manifest') return undefined;
  return new ConfigError(
    { file, line: 1 },
    `this is ${KIND_NAMES[kind as keyof typeof KIND_NAMES]}, not a manifest (a manifest has "agent:" and "tools:"; see docs/agent-contract.md §6)`,
    [err, ...err.more],
  );
}
