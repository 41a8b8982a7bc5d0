import { resolve } from 'node:path';
import { fanOut, loadReporter } from '../../reporters/registry.js';
import type { Reporter } from '../../reporters/types.js';
import type { PackName } from '../config/common.js';
import { runSuite } from '../runner/run.js';
import { resolveConfig } from './config-file.js';
import { type CliIo, EXIT } from './main.js';

export interface RunFlags {
  config?: string;
  agent?: string;
  adapter?: 'process' | 'module';
  pack?: PackName[];
  case?: string[];
  scenarios?: string[];
  corpus?: string[];
  sample?: number | 'all';
  seed?: number;
  junit: string;
  json: string;
  report: string;
  reporter?: string[];
  shard?: { index: number; total: number };
  concurrency?: number;
  timeout?: number;
  verbose?: boolean;
  fuzzRuns?: number;
  fuzzPath?: string;
}

export async function runCommand(flags: RunFlags, io: CliIo): Promise<number> {
  const { config, agentCwd, bundled } = resolveConfig(flags.config, io.cwd);
  if (bundled) io.stderr.write(`agent-chaos: no agent-chaos.config.yaml here; running the bundled reference agent (${config.file})\n`);
  const at = (file: string) => resolve(io.cwd, file);
  const reporters: Reporter[] = [
    await loadReporter('console', { stream: io.stdout, verbose: flags.verbose }),
    await loadReporter('junit', { file: at(flags.junit) }),
    await loadReporter('json', { file: at(flags.json) }),
    await loadReporter('readiness', { file: at(flags.report) }),
  ];
  for (const name of flags.reporter ?? []) reporters.push(await loadReporter(name, { stream: io.stdout, verbose: flags.verbose }));

  const controller = new AbortController();
  const onSigint = () => controller.abort(new Error('interrupted'));
  process.once('SIGINT', onSigint);
  try {
    const summary = await runSuite({
      config,
      cwd: agentCwd,
      adapter: flags.adapter,
      agentCommand: flags.agent,
      packs: flags.pack,
      only: flags.case,
      scenarioRoots: flags.scenarios?.map((d) => resolve(io.cwd, d)),
      corpora: flags.corpus?.map((d) => resolve(io.cwd, d)),
      sample: flags.sample,
      seed: flags.seed,
      shard: flags.shard,
      concurrency: flags.concurrency,
      caseTimeoutMs: flags.timeout,
      ...(flags.fuzzRuns !== undefined || flags.fuzzPath !== undefined
        ? {
            fuzz: {
              ...(flags.fuzzRuns !== undefined ? { runs: flags.fuzzRuns } : {}),
              ...(flags.fuzzPath ? { path: flags.fuzzPath } : {}),
            },
          }
        : {}),
      reporter: fanOut(reporters),
      signal: controller.signal,
    });
    if (controller.signal.aborted) {
      // A partial run must never read as READY.
      io.stderr.write(`agent-chaos: interrupted after ${summary.totals.cases} of ${summary.info.plannedCases} case(s)\n`);
      return EXIT.error;
    }
    return summary.ok ? EXIT.ok : EXIT.failed;
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}
