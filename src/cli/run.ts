import { constants } from 'node:os';
import { resolve } from 'node:path';
import { fanOut, loadReporter } from '../../reporters/registry.js';
import type { Reporter } from '../../reporters/types.js';
import type { PackName } from '../config/common.js';
import { RunInterrupted } from '../runner/interrupt.js';
import type { RunSummary, Verdict } from '../runner/results.js';
import { IMMEDIATE_STOP_MS, runSuite } from '../runner/run.js';
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
  /** Exit 0 on PARTIAL. */
  allowPartial?: boolean;
}

/**
 * The exit code of a verdict: 0 READY (or PARTIAL with `allowPartial`), 1 NOT READY, 3 PARTIAL
 * or INCOMPLETE. `run` and `report merge` share it.
 */
export function verdictExitCode(verdict: Pick<Verdict, 'label'>, allowPartial = false): number {
  switch (verdict.label) {
    case 'READY':
      return EXIT.ok;
    case 'NOT READY':
      return EXIT.failed;
    case 'PARTIAL':
      return allowPartial ? EXIT.ok : EXIT.incomplete;
    case 'INCOMPLETE':
      return EXIT.incomplete;
  }
}

/**
 * The exit code of a run: its verdict's, except that a run a signal interrupted exits 128 + the
 * signal's number (130 after SIGINT, 143 after SIGTERM), as a shell reports a process the signal
 * ended. Its reports say INCOMPLETE either way.
 */
export function runExitCode(summary: Pick<RunSummary, 'verdict' | 'interrupted'>, allowPartial = false): number {
  const signal = summary.interrupted?.signal;
  const number = signal ? (constants.signals as Record<string, number | undefined>)[signal] : undefined;
  return number === undefined ? verdictExitCode(summary.verdict, allowPartial) : 128 + number;
}

// After a signal the process must end even if something the run started (a module agent's
// timer, a socket) would keep it alive; the reports are written by then.
const LINGER_AFTER_SIGNAL_MS = 2_000;

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

  // First Ctrl-C: stop starting cases, abort running ones, write the reports. SIGTERM or a
  // second Ctrl-C: the same, but running cases get IMMEDIATE_STOP_MS to tear down, not more.
  const controller = new AbortController();
  const hurry = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (!controller.signal.aborted) {
      controller.abort(new RunInterrupted(signal));
      io.stderr.write(`agent-chaos: ${signal}: stopping; no new case starts, running cases are aborted, the reports are written\n`);
      if (signal === 'SIGINT') {
        io.stderr.write('agent-chaos: press Ctrl-C again to stop at once\n');
        return;
      }
    }
    if (!hurry.signal.aborted) {
      hurry.abort();
      io.stderr.write(`agent-chaos: ${signal}: stopping at once (at most ${IMMEDIATE_STOP_MS / 1000} s for running cases)\n`);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
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
      hurry: hurry.signal,
    });
    const code = runExitCode(summary, flags.allowPartial);
    if (summary.interrupted) {
      io.stderr.write(`agent-chaos: ${summary.verdict.label}: ${summary.verdict.reason}; exit ${code}\n`);
      setTimeout(() => process.exit(code), LINGER_AFTER_SIGNAL_MS).unref();
    }
    return code;
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}
