import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { MAX_CONCURRENCY, MAX_TIMER_MS, PACK_NAMES } from '../config/common.js';
import { CORPUS_MANIFEST_NAMES, corpusManifestFile } from '../config/corpora.js';
import { hasCorpusFolders } from '../config/detect.js';
import { isDir } from '../config/load.js';
import { AgentChaosError, ConfigError, UsageError } from '../errors.js';
import { packageVersion } from '../paths.js';
import { initCommand } from './init.js';
import { listCommand } from './list.js';
import { mcpServerCommand } from './mcp-server.js';
import { replayCommand } from './replay.js';
import { reportMergeCommand } from './report.js';
import { runCommand } from './run.js';
import { validateCommand } from './validate.js';

/**
 * Exit codes: 0 READY, 1 NOT READY (a control broke or a case errored), 2 usage/config/harness
 * error, 3 PARTIAL or INCOMPLETE; a run stopped by a signal exits 128 + its number (130, 143).
 */
export const EXIT = { ok: 0, failed: 1, error: 2, incomplete: 3 } as const;

export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  cwd: string;
}

const REPORT_DEFAULTS = { junit: 'reports/junit.xml', json: 'reports/results.json', report: 'reports/readiness.md' } as const;

function intArg(min: number, max = Number.MAX_SAFE_INTEGER, why = '') {
  return (value: string): number => {
    const n = /^\s*\d+\s*$/.test(value) ? Number(value) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`expected a whole number ≥ ${min}`);
    if (n > max) throw new InvalidArgumentError(`expected a whole number ≤ ${max}${why}`);
    return n;
  };
}
const timeoutArg = intArg(1, MAX_TIMER_MS, " (about 24.8 days: Node's timers cannot wait longer)");
const concurrencyArg = intArg(1, MAX_CONCURRENCY);

/** A folder flag (`--scenarios`, `--corpus`) that must name a folder of the right kind; repeatable. */
function folderArg(cwd: string, kind: 'scenarios' | 'corpus') {
  return (value: string, previous: string[] | undefined): string[] => {
    const abs = resolve(cwd, value);
    if (!existsSync(abs)) throw new InvalidArgumentError(`no such folder: ${abs}`);
    if (!isDir(abs)) throw new InvalidArgumentError(`${abs} is a file, not a folder`);
    if (kind === 'scenarios') {
      if ((PACK_NAMES as readonly string[]).includes(basename(abs))) {
        throw new InvalidArgumentError(`${abs} is a pack folder: give the folder that holds it (${dirname(abs)})`);
      }
      if (!PACK_NAMES.some((p) => isDir(join(abs, p)))) {
        throw new InvalidArgumentError(`no pack folder (${PACK_NAMES.join(', ')}) in ${abs}`);
      }
    } else if (!corpusManifestFile(abs) && !hasCorpusFolders(abs)) {
      throw new InvalidArgumentError(`${abs} is not a corpus: no ${CORPUS_MANIFEST_NAMES.join(' or ')} in it nor in a folder below it`);
    }
    return [...(previous ?? []), value];
  };
}

/**
 * The report files must be writable paths: not a folder, not below a file, not one file for two
 * reports. Checked before the run, so a mistake costs no run and shows no stack trace.
 */
function checkReportFiles(flags: Record<'junit' | 'json' | 'report', string>, cwd: string): void {
  const seen = new Map<string, string>();
  for (const flag of ['junit', 'json', 'report'] as const) {
    const abs = resolve(cwd, flags[flag]);
    if (isDir(abs))
      throw new UsageError(
        `--${flag} ${flags[flag]}: ${abs} is a folder; give a file path, e.g. ${join(flags[flag], basename(REPORT_DEFAULTS[flag]))}`,
      );
    for (let up = dirname(abs); up !== dirname(up); up = dirname(up)) {
      if (existsSync(up) && !isDir(up))
        throw new UsageError(`--${flag} ${flags[flag]}: ${up} is a file, so no report can be written below it`);
      if (existsSync(up)) break;
    }
    const other = seen.get(abs);
    if (other) throw new UsageError(`--${flag} and --${other} name the same file (${abs}): each report needs its own`);
    seen.set(abs, flag);
  }
}

function buildProgram(io: CliIo, setCode: (code: number) => void): Command {
  const program = new Command('agent-chaos')
    .description("Adversarial test harness and chaos suite: proves an AI agent's guards hold")
    .version(packageVersion())
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showHelpAfterError('(run with --help for usage)');

  program
    .command('run')
    .description('run the packs against an agent and write the reports')
    .option('-c, --config <file>', 'agent manifest (default: ./agent-chaos.config.yaml, else the bundled reference agent)')
    .option('--agent <cmd>', 'agent command, overriding agent.command')
    .addOption(new Option('--adapter <kind>', 'how to drive the agent').choices(['process', 'module']))
    .addOption(new Option('--pack <name...>', "packs to run (default: the manifest's packs, else all)").choices([...PACK_NAMES]))
    .option('--case <id...>', 'only these case ids (or id prefixes such as authz/)')
    .option('--scenarios <dir...>', 'extra scenario roots, each with pack folders', folderArg(io.cwd, 'scenarios'))
    .option('--corpus <dir...>', 'extra injection corpora (a corpus folder, or a folder of them)', folderArg(io.cwd, 'corpus'))
    .option('--sample <n>', "cases per injection scenario, a seeded sample covering every technique, or 'all'", sampleArg)
    .option('--seed <n>', 'run seed (same seed, same cases and report)', intArg(0))
    .option('--junit <file>', 'JUnit XML report', REPORT_DEFAULTS.junit)
    .option('--json <file>', 'JSON results', REPORT_DEFAULTS.json)
    .option('--report <file>', 'readiness report, Markdown (.md) or HTML (.html)', REPORT_DEFAULTS.report)
    .option('--reporter <name...>', 'extra reporters: a built-in name or a module path')
    .option('--shard <i/n>', 'run shard I of N of the plan', parseShard)
    .option('--concurrency <n>', 'cases at once', concurrencyArg)
    .option('--timeout <ms>', 'per-case timeout', timeoutArg)
    .option('--verbose', 'print every finding')
    .option('--fuzz-runs <n>', 'malformed responses tried per fuzz case (default 10)', intArg(1, 10_000))
    .option('--fuzz-path <path>', "replay one fuzz case's shrunk counterexample (fast-check path; with --case and --seed)", parseFuzzPath)
    .option('--allow-partial', 'exit 0 on a PARTIAL verdict (nothing broke, but a control untested or a case skipped)')
    .action(async (opts) => {
      checkReportFiles(opts, io.cwd);
      setCode(await runCommand(opts, io));
    });

  program
    .command('list')
    .description('list the planned cases (or the controls) without running')
    .option('-c, --config <file>', 'agent manifest')
    .addOption(new Option('--pack <name...>', 'packs').choices([...PACK_NAMES]))
    .option('--scenarios <dir...>', 'extra scenario roots', folderArg(io.cwd, 'scenarios'))
    .option('--corpus <dir...>', 'extra injection corpora', folderArg(io.cwd, 'corpus'))
    .option('--sample <n>', "cases per injection scenario, or 'all'", sampleArg)
    .option('--seed <n>', 'run seed', intArg(0))
    .option('--controls', 'list the controls instead')
    .action((opts) => setCode(listCommand(opts, io)));

  program
    .command('validate')
    .description('check a manifest, scenario files and corpora (or folders of them) without running')
    .argument(
      '[files...]',
      'files or folders, each taken for what it holds: a manifest, a scenario, a pack folder, a corpus, a cassette (default: the config and the built-in packs)',
    )
    .option('-c, --config <file>', 'agent manifest')
    .option('--scenarios <dir...>', 'extra scenario roots, as run takes them', folderArg(io.cwd, 'scenarios'))
    .option('--corpus <dir...>', 'extra injection corpora, as run takes them', folderArg(io.cwd, 'corpus'))
    .action((files: string[], opts) => setCode(validateCommand(files, opts, io)));

  program
    .command('replay')
    .description(
      "print one case's chain as a timeline from a JSON report: trigger, model turns, tool calls and decisions, faults, approvals, escalation, the end",
    )
    .argument('[results]', 'JSON results of a run (run --json FILE)')
    .option('--case <id>', 'the case to show (default: the first failed case, else the first)')
    .option('--seed <n>', 'with --path: the run seed of the fuzz case to run again', intArg(0))
    .option('--path <path>', "with --case and --seed: run a fuzz case's shrunk counterexample again (fast-check path)", parseFuzzPath)
    .option('-c, --config <file>', 'with --path: the agent manifest')
    .action(async (results: string | undefined, opts) => {
      if (opts.path === undefined) return setCode(await replayCommand(results, opts, io));
      if (results !== undefined || opts.case === undefined || opts.seed === undefined) {
        throw new UsageError(
          'replay --path runs one fuzz case again: give --case ID --seed S --path P (and --config FILE), no results file',
        );
      }
      // The same run `run --case --seed --fuzz-path` does: one case, its counterexample, full reports.
      setCode(
        await runCommand(
          {
            config: opts.config,
            case: [opts.case],
            seed: opts.seed,
            fuzzPath: opts.path,
            junit: REPORT_DEFAULTS.junit,
            json: REPORT_DEFAULTS.json,
            report: REPORT_DEFAULTS.report,
          },
          io,
        ),
      );
    });

  const report = program.command('report').description('work with JSON results');
  report
    .command('merge')
    .description('join the JSON results of shards into one JUnit, JSON and readiness report')
    .argument('<files...>', 'results.json of each shard')
    .option('--junit <file>', 'JUnit XML out', 'reports/junit.xml')
    .option('--json <file>', 'merged JSON out', 'reports/results.json')
    .option('--report <file>', 'readiness report out', 'reports/readiness.md')
    .option('--allow-partial', 'exit 0 on a PARTIAL verdict')
    .action(async (files: string[], opts) => {
      checkReportFiles(opts, io.cwd);
      setCode(await reportMergeCommand(files, opts, io));
    });

  program
    .command('mcp-server')
    .description("serve a scenario's tools (hostile ones included) as an MCP server over stdio")
    .requiredOption('--scenario <id>', 'the scenario whose world to serve')
    .option('-c, --config <file>', "agent manifest (resolves the scenario's tool roles)")
    .option('--scenarios <dir...>', 'extra scenario roots', folderArg(io.cwd, 'scenarios'))
    .option('--seed <n>', 'run seed', intArg(0))
    .option('--ledger <file>', 'write the tool calls and the whole ledger here as JSON at exit')
    .action(async (opts) => setCode(await mcpServerCommand(opts, io)));

  program
    .command('init')
    .description('write a starter agent-chaos.config.yaml')
    .option('--force', 'overwrite an existing file')
    .action((opts) => setCode(initCommand(opts, io)));

  return program;
}

function sampleArg(value: string): number | 'all' {
  if (value === 'all') return 'all';
  return intArg(1)(value);
}

function parseFuzzPath(value: string): string {
  if (!/^\d+(:\d+)*$/.test(value)) throw new InvalidArgumentError('expected a fast-check path such as 3:0:1');
  return value;
}

function parseShard(value: string): { index: number; total: number } {
  const m = /^(\d+)\/(\d+)$/.exec(value);
  const index = Number(m?.[1]);
  const total = Number(m?.[2]);
  if (!m || total < 1 || index < 1 || index > total) throw new InvalidArgumentError('expected I/N with 1 ≤ I ≤ N, e.g. 2/4');
  return { index, total };
}

/** Runs the CLI and returns the exit code; the bin sets it. Never calls process.exit. */
export async function main(
  argv: string[],
  io: CliIo = { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd() },
): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram(io, (c) => {
    code = c;
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? EXIT.ok : EXIT.error;
    }
    // The harness's own errors say what failed and why (a reporter that threw, a port not bound):
    // their message is the report, a stack trace would only bury it.
    if (err instanceof AgentChaosError) {
      io.stderr.write(`agent-chaos: ${err.message}\n`);
      if (err instanceof ConfigError) for (const more of err.more.slice(0, 9)) io.stderr.write(`agent-chaos: ${more.message}\n`);
      return EXIT.error;
    }
    io.stderr.write(`agent-chaos: internal error: ${(err as Error)?.stack ?? String(err)}\n`);
    return EXIT.error;
  }
}
