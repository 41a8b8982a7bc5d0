import { resolve } from 'node:path';
import { controlCatalog } from '../checks/index.js';
import type { PackName } from '../config/common.js';
import { planSuite } from '../runner/run.js';
import { resolveConfig } from './config-file.js';
import { type CliIo, EXIT } from './main.js';

export interface ListFlags {
  config?: string;
  pack?: PackName[];
  scenarios?: string[];
  corpus?: string[];
  sample?: number | 'all';
  seed?: number;
  controls?: boolean;
}

export function listCommand(flags: ListFlags, io: CliIo): number {
  if (flags.controls) {
    for (const c of controlCatalog()) io.stdout.write(`${c.id.padEnd(26)} ${c.section.padEnd(14)} ${c.title}\n`);
    return EXIT.ok;
  }
  const { config } = resolveConfig(flags.config, io.cwd);
  const cases = planSuite({
    config,
    packs: flags.pack,
    scenarioRoots: flags.scenarios?.map((d) => resolve(io.cwd, d)),
    corpora: flags.corpus?.map((d) => resolve(io.cwd, d)),
    sample: flags.sample,
    seed: flags.seed,
  });
  for (const c of cases) {
    const note = c.skip ? `  (skipped: ${c.skip})` : '';
    io.stdout.write(`${c.id.padEnd(44)} ${c.controls.join(',')}${note}\n`);
  }
  io.stdout.write(`${cases.length} case(s) for ${config.manifest.agent.id}\n`);
  return EXIT.ok;
}
