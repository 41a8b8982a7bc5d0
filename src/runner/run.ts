import { join, resolve } from 'node:path';
import { createSummarizer } from '../../reporters/summary.js';
import type { Reporter } from '../../reporters/types.js';
import { moduleAdapter } from '../agents/module.js';
import { preflightAgent } from '../agents/preflight.js';
import { processAdapter } from '../agents/process.js';
import type { AgentAdapter } from '../agents/types.js';
import { controlCatalog } from '../checks/index.js';
import { PACK_NAMES, type PackName } from '../config/common.js';
import { builtinCorporaDir, type Corpus, loadCorpora } from '../config/corpora.js';
import type { LoadedManifest } from '../config/manifest-file.js';
import { type LoadedScenario, loadPacks } from '../config/scenarios.js';
import { UsageError } from '../errors.js';
import { packageRoot, packageVersion } from '../paths.js';
import type { CaseSpec } from './case.js';
import { type ExecuteOptions, executeCases } from './execute.js';
import type { FuzzSettings } from './fuzz.js';
import { interruptionOf } from './interrupt.js';
import { planCases, type Shard } from './plan.js';
import type { CaseResult, RunSummary } from './results.js';

export const DEFAULT_SEED = 1;
export const DEFAULT_CASE_TIMEOUT_MS = 30_000;
/**
 * How long a run told to stop at once (`hurry`) still waits for running cases to tear down
 * before it writes its reports anyway. Longer than the process adapter's SIGTERM-to-SIGKILL
 * grace, so an agent's process tree is killed and reaped within it.
 */
export const IMMEDIATE_STOP_MS = 3_000;

/** Everything one run needs, settled (the CLI turns flags into this). */
export interface SuiteOptions {
  config: LoadedManifest;
  /** Where the agent's command runs. */
  cwd: string;
  adapter?: 'process' | 'module';
  /** Overrides `agent.command`. */
  agentCommand?: string;
  packs?: PackName[];
  /** Extra scenario roots (each with pack folders), after the built-in ones. */
  scenarioRoots?: string[];
  /** Single scenario files, after the roots (`validate FILE`). */
  scenarioFiles?: string[];
  only?: string[];
  /** Extra injection corpora (`--corpus DIR`), after the built-in ones and the manifest's. */
  corpora?: string[];
  /** Cases per injection scenario (`--sample N`), or `all`; default: each scenario's own `sample`. */
  sample?: number | 'all';
  seed?: number;
  shard?: Shard;
  concurrency?: number;
  caseTimeoutMs?: number;
  reporter: Reporter;
  /** Fuzz cases: `runs` per case, or the `path` of one counterexample to replay (one fuzz case only). */
  fuzz?: FuzzSettings;
  /** World options on top of each scenario's own (programmatic use and tests). */
  worldOptions?: ExecuteOptions['worldOptions'];
  /** How to call the CLI in printed replay commands, e.g. `npx agent-chaos`. */
  cliName?: string;
  /**
   * Stops the run: no case starts after it aborts, running cases are aborted and recorded as
   * interrupted, and the reports are written with the verdict INCOMPLETE. A `RunInterrupted`
   * reason names the signal in the reports.
   */
  signal?: AbortSignal;
  /**
   * Once aborted, a stopping run waits at most `IMMEDIATE_STOP_MS` more for running cases to
   * tear down, then writes its reports without them (SIGTERM, a second Ctrl-C).
   */
  hurry?: AbortSignal;
}

/** Resolves `ms` after `signal` aborts; `cancel` drops the timer and the listener. */
function deadlineAfter(signal: AbortSignal | undefined, ms: number): { reached: Promise<void>; cancel(): void } {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const reached = new Promise<void>((resolve) => {
    if (!signal) return;
    onAbort = () => {
      timer = setTimeout(resolve, ms);
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  return {
    reached,
    cancel() {
      clearTimeout(timer);
      if (onAbort) signal?.removeEventListener('abort', onAbort);
    },
  };
}

/** The built-in packs folder. */
export function builtinScenariosDir(): string {
  return join(packageRoot(), 'scenarios');
}

/** Plans the cases of a suite without running them. */
export function planSuite(
  options: Pick<SuiteOptions, 'config' | 'packs' | 'scenarioRoots' | 'scenarioFiles' | 'only' | 'seed' | 'shard' | 'corpora' | 'sample'>,
): CaseSpec[] {
  const { manifest } = options.config;
  const packs = options.packs ?? manifest.packs ?? [...PACK_NAMES];
  const scenarios = loadPacks([builtinScenariosDir(), ...(options.scenarioRoots ?? [])], packs, options.scenarioFiles);
  return planCases({
    manifest,
    scenarios,
    seed: options.seed ?? manifest.run?.seed ?? DEFAULT_SEED,
    shard: options.shard,
    only: options.only,
    corpora: corporaFor(options, scenarios),
    sample: options.sample,
  });
}

/** The corpora folders of a suite: the built-in ones, the manifest's (relative to it), then `--corpus`. */
export function corpusDirs(options: Pick<SuiteOptions, 'config' | 'corpora'>): string[] {
  const { manifest, dir } = options.config;
  return [builtinCorporaDir(), ...(manifest.corpora ?? []).map((d) => resolve(dir, d)), ...(options.corpora ?? [])];
}

// Loaded only when a scenario draws from one, so runs without injection scenarios pay nothing.
function corporaFor(options: Pick<SuiteOptions, 'config' | 'corpora'>, scenarios: readonly LoadedScenario[]): Map<string, Corpus> {
  const needed =
    scenarios.some((s) => s.injection) || (options.corpora?.length ?? 0) > 0 || (options.config.manifest.corpora?.length ?? 0) > 0;
  return needed ? loadCorpora(corpusDirs(options)) : new Map();
}

/** Plans and runs a suite, streaming results to the reporter. Never exits the process. */
export async function runSuite(options: SuiteOptions): Promise<RunSummary> {
  const { manifest } = options.config;
  const seed = options.seed ?? manifest.run?.seed ?? DEFAULT_SEED;
  const packs = options.packs ?? manifest.packs ?? [...PACK_NAMES];
  const cases = planSuite({ ...options, packs, seed });
  if (options.only?.length && cases.length === 0) throw new UsageError(`no case matches --case ${options.only.join(' ')}`);
  if (options.fuzz?.path !== undefined && (cases.length !== 1 || !cases[0]?.fuzz)) {
    throw new UsageError(`--fuzz-path replays one fuzz case: name it with --case ID (${cases.length} case(s) selected)`);
  }
  const adapter = makeAdapter(options);
  const info = {
    tool: { name: 'agent-chaos' as const, version: packageVersion() },
    agentId: manifest.agent.id,
    configFile: options.config.file,
    seed,
    packs,
    shard: options.shard,
    plannedCases: cases.length,
    adapter: adapter.kind,
    startedAt: new Date().toISOString(),
  };
  const summarizer = createSummarizer(info, controlCatalog());
  const started = Date.now();
  // Once the reports are being finished, a case still tearing down (after `hurry`) is dropped:
  // a streamed report must not take a case after its end.
  let closed = false;
  let handedOn = 0;
  let cut = false;
  let handing: Promise<void> = Promise.resolve();
  const handOn = async (result: CaseResult) => {
    summarizer.add(result);
    handedOn += 1;
    if (result.error?.kind === 'interrupted') cut = true;
    await options.reporter.onCaseEnd?.(result);
  };
  await options.reporter.onRunStart?.(info);
  // Requests no case could be charged with; unknown when the run was abandoned mid-teardown.
  let strays: { count: number; samples: readonly string[] } | undefined;
  const execution = executeCases({
    manifest,
    cases,
    adapter,
    concurrency: options.concurrency ?? manifest.run?.concurrency ?? 2,
    caseTimeoutMs: options.caseTimeoutMs ?? manifest.run?.case_timeout_ms ?? DEFAULT_CASE_TIMEOUT_MS,
    fuzz: options.fuzz,
    replayCommand: (spec) => replayCommand(options, adapter.kind, seed, spec),
    worldOptions: options.worldOptions,
    onCaseEnd: async (result) => {
      if (closed) return;
      handing = handOn(result);
      await handing;
    },
    signal: options.signal,
  });
  const deadline = deadlineAfter(options.hurry, IMMEDIATE_STOP_MS);
  try {
    const ended = execution.then((outcome) => {
      strays = outcome.strays;
      return true;
    });
    const finished = await Promise.race([ended, deadline.reached.then(() => false)]);
    if (!finished) {
      closed = true;
      // Abandoned: whatever it still does (or throws) belongs to no report.
      ended.catch(() => undefined);
      await handing;
    }
  } finally {
    deadline.cancel();
  }
  // Interrupted only if the stop cost something: a signal after the last case ended changes nothing.
  const interrupted = options.signal?.aborted && (cut || handedOn < cases.length) ? interruptionOf(options.signal.reason) : undefined;
  const summary = summarizer.finish({
    finishedAt: new Date().toISOString(),
    durationMs: Date.now() - started,
    ...(interrupted ? { interrupted } : {}),
  });
  if (strays && strays.count > 0) summary.strays = { count: strays.count, samples: [...strays.samples] };
  await options.reporter.onRunEnd?.(summary);
  return summary;
}

/** Which adapter a run uses: `--adapter`, the manifest's `run.adapter`, else process when there is a command. */
export function adapterKind(options: Pick<SuiteOptions, 'config' | 'adapter' | 'agentCommand'>): 'process' | 'module' {
  const { manifest } = options.config;
  return options.adapter ?? manifest.run?.adapter ?? (options.agentCommand || manifest.agent.command ? 'process' : 'module');
}

function makeAdapter(options: SuiteOptions): AgentAdapter {
  const { manifest, dir } = options.config;
  const kind = adapterKind(options);
  // A command that cannot start fails here, once, rather than as every case's error.
  preflightAgent({ config: options.config, cwd: options.cwd, kind, agentFlag: options.agentCommand });
  if (kind === 'module') {
    if (!manifest.agent.module) throw new UsageError('the module adapter needs agent.module in the config');
    return moduleAdapter({ path: resolve(dir, manifest.agent.module), env: manifest.agent.env });
  }
  const command = options.agentCommand ?? manifest.agent.command;
  if (!command) throw new UsageError('the process adapter needs agent.command in the config (or --agent CMD)');
  return processAdapter({ command, cwd: options.cwd, env: manifest.agent.env });
}

function replayCommand(options: SuiteOptions, adapter: 'process' | 'module', seed: number, spec: CaseSpec): string {
  const parts = [options.cliName ?? 'npx agent-chaos', 'run'];
  if (options.config.file) parts.push('--config', shellQuote(options.config.file));
  if (options.agentCommand) parts.push('--agent', shellQuote(options.agentCommand));
  if (options.adapter) parts.push('--adapter', adapter);
  for (const root of options.scenarioRoots ?? []) parts.push('--scenarios', shellQuote(root));
  for (const dir of options.corpora ?? []) parts.push('--corpus', shellQuote(dir));
  parts.push('--seed', String(seed), '--case', shellQuote(spec.id));
  if (spec.fuzz && options.fuzz?.runs !== undefined) parts.push('--fuzz-runs', String(options.fuzz.runs));
  return parts.join(' ');
}

function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}
