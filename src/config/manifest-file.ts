import { dirname, resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import { BUILTIN_TOOLS } from '../world/tools/catalog.js';
import { loadFile } from './load.js';
import { type Manifest, manifestSchema } from './manifest.js';

/** A manifest with where it came from, so relative paths resolve against its folder. */
export interface LoadedManifest {
  manifest: Manifest;
  file: string;
  dir: string;
}

/** Reads and validates a manifest (`agent-chaos.config.yaml` or `.json`). */
export function loadManifest(file: string): LoadedManifest {
  const { data: manifest, doc } = loadFile(file, manifestSchema);
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
  return { manifest, file, dir: dirname(resolve(file)) };
}
