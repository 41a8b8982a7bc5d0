import { readdirSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { preflightAgent } from '../agents/preflight.js';
import { PACK_NAMES, type PackName } from '../config/common.js';
import { corpusManifestFile, loadCorpora, loadCorpus } from '../config/corpora.js';
import { isDir } from '../config/load.js';
import { loadManifest } from '../config/manifest-file.js';
import { loadPackDir, loadScenarioFile } from '../config/scenarios.js';
import { ConfigError } from '../errors.js';
import { adapterKind, planSuite } from '../runner/run.js';
import { resolveConfig } from './config-file.js';
import { type CliIo, EXIT } from './main.js';

const MANIFEST_FILE = /agent-chaos\.config\.(ya?ml|json)$/;

/**
 * Validates files without running anything. Every bad file is reported (not just the first),
 * each problem as file:line: field: message; exit 2 when any is bad.
 */
export function validateCommand(files: string[], flags: { config?: string }, io: CliIo): number {
  const problems: ConfigError[] = [];
  let checked = 0;
  const attempt = (fn: () => number) => {
    try {
      checked += fn();
    } catch (err) {
      if (err instanceof ConfigError) problems.push(err, ...err.more);
      else throw err;
    }
  };

  if (files.length === 0) {
    attempt(() => {
      const { config, agentCwd } = resolveConfig(flags.config, io.cwd);
      const planned = planSuite({ config }).length + 1;
      preflightAgent({ config, cwd: agentCwd, kind: adapterKind({ config }) });
      return planned;
    });
  }
  for (const file of files) {
    const path = resolve(io.cwd, file);
    if (isDir(path) && corpusManifestFile(path)) {
      attempt(() => loadCorpus(path).entries.length + 1);
    } else if (isDir(path)) {
      const pack = (PACK_NAMES as readonly string[]).includes(basename(path)) ? (basename(path) as PackName) : undefined;
      if (pack) attempt(() => loadPackDir(path, pack).length);
      else {
        for (const p of PACK_NAMES) attempt(() => loadPackDir(resolve(path, p), p).length);
        // A folder of corpora (e.g. corpora/) is checked too, every corpus in it.
        if (readdirSync(path).some((n) => isDir(resolve(path, n)) && corpusManifestFile(resolve(path, n)))) {
          attempt(() => [...loadCorpora([path]).values()].reduce((n, c) => n + c.entries.length + 1, 0));
        }
      }
    } else if (MANIFEST_FILE.test(file)) {
      attempt(() => {
        const config = loadManifest(file);
        preflightAgent({ config, cwd: io.cwd, kind: adapterKind({ config }) });
        return 1;
      });
    } else {
      attempt(() => {
        loadScenarioFile(file, folderPack(path));
        return 1;
      });
    }
  }
  for (const p of problems) io.stderr.write(`agent-chaos: ${p.message}\n`);
  if (problems.length > 0) return EXIT.error;
  io.stdout.write(`ok: ${checked} file(s), case(s) and corpus entries valid\n`);
  return EXIT.ok;
}

function folderPack(path: string): PackName | undefined {
  const folder = basename(resolve(path, '..'));
  return (PACK_NAMES as readonly string[]).includes(folder) ? (folder as PackName) : undefined;
}
