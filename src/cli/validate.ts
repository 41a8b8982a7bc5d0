import { existsSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { preflightAgent } from '../agents/preflight.js';
import { loadCassette } from '../config/cassette.js';
import { PACK_NAMES, type PackName } from '../config/common.js';
import { loadCorpora, loadCorpus, readEntries } from '../config/corpora.js';
import { detectFileKind, detectFolderKind, enclosingCorpus, hasCorpusFolders } from '../config/detect.js';
import { isDir } from '../config/load.js';
import { type LoadedManifest, loadManifest } from '../config/manifest-file.js';
import { folderPack, loadPackDir, loadScenarioFile } from '../config/scenarios.js';
import { ConfigError } from '../errors.js';
import { adapterKind, planSuite } from '../runner/run.js';
import { resolveConfig, resolveShown } from './config-file.js';
import { type CliIo, EXIT } from './main.js';

export interface ValidateFlags {
  config?: string;
  scenarios?: string[];
  corpus?: string[];
}

/**
 * Validates files without running anything. Each file or folder is taken for what its content
 * is (a manifest, a scenario, a pack folder, a corpus, a cassette), never for its name. Every bad
 * file is reported (not just the first), each problem as file:line: field: message; then, when
 * each file holds, the suite is planned exactly as `run` plans it (same loading, same cross-file
 * checks: duplicate ids and corpus names, unknown corpora, filters that match nothing), for every
 * pack. Exit 2 when anything is bad.
 */
export function validateCommand(files: string[], flags: ValidateFlags, io: CliIo): number {
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
  const manifests: LoadedManifest[] = [];
  // Where each manifest's agent command runs (the bundled agent's is the package's folder).
  const agentCwds = new Map<LoadedManifest, string>();
  const scenarioRoots = (flags.scenarios ?? []).map((d) => resolve(io.cwd, d));
  const corpora = (flags.corpus ?? []).map((d) => resolve(io.cwd, d));
  const scenarioFiles: string[] = [];
  // The manifest first: its problems are reported beside the files', not hidden behind them.
  if (flags.config !== undefined || files.length === 0) {
    attempt(() => {
      const { config, agentCwd } = resolveConfig(flags.config, io.cwd);
      manifests.push(config);
      agentCwds.set(config, agentCwd);
      return 1;
    });
  }

  for (const file of files) {
    const path = resolve(io.cwd, file);
    if (!existsSync(path)) {
      problems.push(new ConfigError({ file }, 'no such file or folder'));
    } else if (isDir(path)) {
      attempt(() => {
        switch (detectFolderKind(path)) {
          case 'corpus':
            corpora.push(path);
            return loadCorpus(path).entries.length + 1;
          case 'corpora':
            corpora.push(path);
            return [...loadCorpora([path]).values()].reduce((n, c) => n + c.entries.length + 1, 0);
          case 'pack': {
            const scenarios = loadPackDir(path, basename(path) as PackName);
            scenarioFiles.push(...scenarios.map((s) => s.file));
            return scenarios.length;
          }
          case 'scenarios-root': {
            scenarioRoots.push(path);
            let n = 0;
            for (const p of PACK_NAMES) attempt(() => loadPackDir(resolve(path, p), p).length);
            // A scenarios folder may hold corpora beside its packs: those are checked too.
            if (hasCorpusFolders(path)) {
              corpora.push(path);
              n += [...loadCorpora([path]).values()].reduce((k, c) => k + c.entries.length + 1, 0);
            }
            return n;
          }
        }
      });
    } else {
      attempt(() => validateFile(path, resolveShown(path, io.cwd), io.cwd, { manifests, scenarioFiles, corpora }));
    }
  }

  // Cross-file checks only once every file holds: on a broken file they would repeat its errors.
  if (problems.length === 0) {
    // Files without a manifest are planned for the one `run` would take: the cwd's, else the bundled one.
    if (manifests.length === 0) {
      attempt(() => {
        const { config, agentCwd } = resolveConfig(undefined, io.cwd);
        manifests.push(config);
        agentCwds.set(config, agentCwd);
        return 0;
      });
    }
    for (const config of manifests) {
      attempt(() => {
        const planned = planSuite({ config, packs: [...PACK_NAMES], scenarioRoots, scenarioFiles, corpora }).length + 1;
        preflightAgent({ config, cwd: agentCwds.get(config) ?? io.cwd, kind: adapterKind({ config }) });
        return planned;
      });
    }
  }
  for (const p of problems) io.stderr.write(`agent-chaos: ${p.message}\n`);
  if (problems.length > 0) return EXIT.error;
  io.stdout.write(`ok: ${checked} file(s), case(s) and corpus entries valid\n`);
  return EXIT.ok;
}

/** Checks one file for what its content says it is; `file` is absolute, `shown` as the user named it. */
function validateFile(
  file: string,
  shown: string,
  cwd: string,
  into: { manifests: LoadedManifest[]; scenarioFiles: string[]; corpora: string[] },
): number {
  switch (detectFileKind(file)) {
    case 'manifest':
      into.manifests.push(loadManifest(shown, cwd));
      return 1;
    case 'scenario':
      loadScenarioFile(file, folderPack(file));
      into.scenarioFiles.push(file);
      return 1;
    case 'corpus-manifest': {
      const dir = dirname(file);
      into.corpora.push(dir);
      return loadCorpus(dir).entries.length + 1;
    }
    case 'corpus-entries': {
      const dir = enclosingCorpus(file);
      if (dir) {
        into.corpora.push(dir);
        return loadCorpus(dir).entries.length + 1;
      }
      return readEntries([file], basename(file)).length;
    }
    case 'cassette':
      return loadCassette(file).script.length + 1;
  }
}
