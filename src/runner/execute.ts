import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentAdapter, AgentOutcome } from '../agents/types.js';
import { crossCaseJudge, runChecks } from '../checks/index.js';
import type { Manifest } from '../config/manifest.js';
import { AgentStartError } from '../errors.js';
import type { Ledger } from '../ledger/ledger.js';
import { readRunAudit } from '../world/audit-channel.js';
import type { AuditLog } from '../world/audit-intake.js';
import { type StrayRequests, WorldHost } from '../world/host.js';
import { createWorld, type WorldOptions } from '../world/world.js';
import type { CaseSpec, Trigger } from './case.js';
import { type FuzzSettings, runFuzzCase } from './fuzz.js';
import { interruptedMessage } from './interrupt.js';
import { maskResult } from './mask.js';
import type { CaseError, CaseResult, CaseTranscript, EgressSummary, Finding } from './results.js';
import { worldOptionsFor } from './world-options.js';

const TAIL_CHARS = 2000;

export interface ExecuteOptions {
  manifest: Manifest;
  cases: readonly CaseSpec[];
  adapter: AgentAdapter;
  concurrency: number;
  caseTimeoutMs: number;
  /** The command that replays one case, printed with every failure. */
  replayCommand(spec: CaseSpec): string;
  /** Fuzz cases: runs per case (overriding the scenario's), or the path of one counterexample to replay. */
  fuzz?: FuzzSettings;
  /** World options on top of the scenario's (programmatic use and tests: a fault hook, a human). */
  worldOptions?: (spec: CaseSpec) => Partial<WorldOptions>;
  /** Receives each result in plan order, as soon as every earlier case is done. */
  onCaseEnd(result: CaseResult): Promise<void> | void;
  signal?: AbortSignal;
}

/**
 * Runs every case against the agent, `concurrency` at a time, each in a fresh world on one
 * loopback host. Results are handed on in plan order whatever order they finish in, so
 * reports are deterministic.
 */
export async function executeCases(options: ExecuteOptions): Promise<{ strays: StrayRequests }> {
  const host = new WorldHost();
  // Module agents run in worker threads that intercept their own traffic (src/agents/module.ts):
  // this process's stays untouched.
  await host.start();
  const signal = options.signal ?? new AbortController().signal;
  const done = new Map<number, FinishedCase>();
  const judgeAcrossCases = crossCaseJudge();
  let nextToEmit = 0;
  let nextToStart = 0;
  let fatal: unknown;

  // Cross-case checks see cases here, in plan order, whatever order they finished in. One emitter
  // at a time: two workers finishing together must not hand results on interleaved (reporters
  // stream, and a streamed JSON document is only valid written in order).
  let emitting: Promise<void> = Promise.resolve();
  const emitReady = () => {
    emitting = emitting.then(async () => {
      for (let r = done.get(nextToEmit); r; r = done.get(nextToEmit)) {
        const spec = options.cases[nextToEmit] as CaseSpec;
        done.delete(nextToEmit);
        nextToEmit++;
        // Canaries masked and the world's address made stable last, before any reporter sees the result.
        const addresses = { baseUrls: r.baseUrls, origin: host.origin };
        await options.onCaseEnd(maskResult(judgeAcrossCases(r.result, r.audit), spec, addresses));
      }
    });
    return emitting;
  };

  const worker = async () => {
    while (fatal === undefined && !signal.aborted && nextToStart < options.cases.length) {
      const position = nextToStart++;
      const spec = options.cases[position] as CaseSpec;
      try {
        done.set(position, await runCase(spec, host, options, signal));
      } catch (err) {
        fatal = err;
        return;
      }
      await emitReady();
    }
  };

  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, options.cases.length)) }, worker));
  } finally {
    await options.adapter.close?.();
    await host.close();
  }
  if (fatal !== undefined) throw fatal;
  return { strays: host.strays };
}

/** A judged case, with its audit for the checks across cases and the base URLs of its worlds. */
interface FinishedCase {
  result: CaseResult;
  audit?: AuditLog;
  baseUrls: string[];
}

async function runCase(spec: CaseSpec, host: WorldHost, options: ExecuteOptions, signal: AbortSignal): Promise<FinishedCase> {
  const startedAt = new Date();
  const base = {
    index: spec.index,
    id: spec.id,
    title: spec.title,
    pack: spec.pack,
    controls: spec.controls,
    seed: spec.seed,
    replay: options.replayCommand(spec),
    adapter: options.adapter.kind,
    startedAt: startedAt.toISOString(),
  };
  const noAgent = { exitCode: null, signal: null, timedOut: false, stdoutTail: '', stderrTail: '' };
  const baseUrls: string[] = [];
  if (spec.skip)
    return { result: { ...base, status: 'skipped', findings: [], skipReason: spec.skip, agent: noAgent, durationMs: 0 }, baseUrls };
  // Evidence of a case cut short by an interruption is partial: judging it would report failures
  // the agent never had, so the case is recorded as stopped, never judged.
  const interrupted = (agent: CaseResult['agent'] = noAgent): FinishedCase => ({
    result: {
      ...base,
      status: 'error',
      findings: [],
      error: { kind: 'interrupted', message: interruptedMessage(signal.reason) },
      agent,
      durationMs: Date.now() - startedAt.getTime(),
    },
    baseUrls,
  });

  try {
    if (spec.fuzz) {
      // A fuzz case is many runs; its run ids are not one run's, so it takes no part in checks across cases.
      const result = await runFuzzCase(spec, base, options.fuzz ?? {}, (extra, timeoutMs) =>
        runInWorld(spec, host, options, signal, extra, timeoutMs, baseUrls),
      );
      return signal.aborted ? interrupted(result.agent) : { result, baseUrls };
    }
    const run = await runInWorld(spec, host, options, signal, {}, options.caseTimeoutMs, baseUrls);
    if (signal.aborted) return interrupted(agentSummary(run.outcome));
    const { outcome, audit, findings } = run;
    const error = caseError(outcome, audit, options.caseTimeoutMs, run.ledger);
    return {
      result: {
        ...base,
        status: error ? 'error' : findings.some((f) => f.status === 'fail') ? 'failed' : 'passed',
        findings,
        ...(error ? { error } : {}),
        agent: agentSummary(outcome),
        durationMs: Date.now() - startedAt.getTime(),
        transcript: transcriptOf(run),
        ...egressOf(run.ledger),
      },
      audit,
      baseUrls,
    };
  } catch (err) {
    if (signal.aborted) return interrupted();
    if (err instanceof AgentStartError) throw err;
    return {
      result: {
        ...base,
        status: 'error',
        findings: [],
        error: { kind: 'harness', message: `the harness failed on this case: ${(err as Error).message}` },
        agent: noAgent,
        durationMs: Date.now() - startedAt.getTime(),
      },
      baseUrls,
    };
  }
}

/** One run of the agent in a fresh world, and the checks on it. */
export interface WorldRun {
  trigger: Trigger;
  outcome: AgentOutcome;
  audit: AuditLog;
  ledger: Ledger;
  findings: Finding[];
}

/**
 * Runs the agent once in a fresh world for `spec` (with `extra` world options over the scenario's)
 * and checks the run. Fuzz cases call it once per generated response. The world's base URL is
 * added to `baseUrls`, for reports to replace.
 */
async function runInWorld(
  spec: CaseSpec,
  host: WorldHost,
  options: ExecuteOptions,
  signal: AbortSignal,
  extra: Partial<WorldOptions> = {},
  timeoutMs = options.caseTimeoutMs,
  baseUrls: string[] = [],
): Promise<WorldRun> {
  const startedAt = Date.now();
  const dir = await mkdtemp(join(tmpdir(), 'agent-chaos-'));
  const slot = host.allocate();
  const world = createWorld({
    ...worldOptionsFor(spec, options.manifest),
    ...options.worldOptions?.(spec),
    ...extra,
    spec,
    manifest: options.manifest,
    runPath: slot.runPath,
    baseUrl: slot.baseUrl,
  });
  host.attach(world);
  baseUrls.push(world.baseUrl);
  const trigger = { ...spec.trigger, received_at: new Date().toISOString() };
  const triggerFile = join(dir, 'trigger.json');
  const auditFile = join(dir, 'audit.jsonl');
  try {
    await writeFile(triggerFile, `${JSON.stringify(trigger, null, 2)}\n`);
    let outcome: AgentOutcome;
    try {
      // An abort that came while the world was set up finds no listener in the adapter yet.
      if (signal.aborted) throw signal.reason;
      outcome = await options.adapter.run({ env: world.env(), trigger, triggerFile, auditFile, timeoutMs, signal });
    } finally {
      // Ends requests still hanging in the world (hung tools, a module agent past its timeout).
      await world.close();
    }
    for (const request of outcome.egress ?? []) world.ledger.refused(request);
    const audit = await readRunAudit(auditFile, world.ledger, world.limits);
    const findings = runChecks({
      spec: { ...spec, trigger },
      manifest: options.manifest,
      ledger: world.ledger,
      audit,
      agent: outcome,
      world: { clientId: world.clientId, modelKey: world.modelKey, baseUrl: world.baseUrl },
      window: { startedAt, endedAt: Date.now() },
    });
    return { trigger, outcome, audit, ledger: world.ledger, findings };
  } finally {
    host.detach(world);
    await rm(dir, { recursive: true, force: true });
  }
}

/** What a result shows of how the agent ended. */
export function agentSummary(outcome: AgentOutcome): CaseResult['agent'] {
  return {
    exitCode: outcome.exitCode,
    signal: outcome.signal,
    timedOut: outcome.timedOut,
    stdoutTail: tail(outcome.output),
    stderrTail: tailKeepingWhy(outcome.stderr),
  };
}

export function transcriptOf(run: WorldRun): CaseTranscript {
  return {
    trigger: run.trigger,
    ledger: run.ledger.entries,
    audit: run.audit.lines.map((l) => (l.ok ? l.record : { line: l.line, invalid: l.problem, raw: l.raw })),
    auditLines: run.audit.lines.map((l) => l.line),
    auditChannel: run.audit.channel,
    events: run.ledger.events,
    ...(run.ledger.offWorld.length > 0 ? { egress: run.ledger.offWorld } : {}),
  };
}

/** The requests to hosts outside the world, grouped by method and URL, for the case result. */
export function egressOf(ledger: Ledger): { egress?: EgressSummary[] } {
  if (ledger.offWorld.length === 0) return {};
  const byRequest = new Map<string, EgressSummary>();
  for (const { method, url } of ledger.offWorld) {
    const key = `${method} ${url}`;
    const seen = byRequest.get(key);
    if (seen) seen.count++;
    else byRequest.set(key, { method, url, count: 1 });
  }
  return { egress: [...byRequest.values()] };
}

/** A case that did not end normally: its output cut at the cap, timed out, or crashed (contract: non-zero exit with no run.ended). */
function caseError(outcome: AgentOutcome, audit: AuditLog, timeoutMs: number, ledger: Ledger): CaseError | undefined {
  const stderrTail = tailKeepingWhy(outcome.stderr);
  const withTail = stderrTail ? { stderrTail } : {};
  // A framework stalled on a download it was refused says nothing itself: say it for it.
  const refused = ledger.offWorld.length === 0 ? '' : ` (it had sent ${refusedSentence(ledger)})`;
  if (outcome.outputLimit) {
    const { stream, maxBytes } = outcome.outputLimit;
    return {
      kind: 'limit',
      message: `the agent wrote more than the ${formatBytes(maxBytes)} output cap to ${stream}: the harness closed it there and stopped the agent`,
      ...withTail,
    };
  }
  if (outcome.timedOut) {
    return {
      kind: 'timeout',
      message: `the agent did not finish within the case timeout of ${timeoutMs} ms and was killed${refused}`,
      ...withTail,
    };
  }
  const ended = audit.records.some((r) => r.type === 'run.ended');
  if (outcome.crashed && !ended) {
    const how = outcome.crashMessage ?? (outcome.signal ? `killed by ${outcome.signal}` : `exit code ${outcome.exitCode}`);
    const why = outcome.crashMessage === undefined ? whyLine(outcome.stderr) : undefined;
    return {
      kind: 'crash',
      message: `the agent crashed (${how}) without a run.ended record${why ? `: ${why}` : ''}${refused}`,
      ...withTail,
    };
  }
  return undefined;
}

function refusedSentence(ledger: Ledger): string {
  const [first] = ledger.offWorld;
  const n = ledger.offWorld.length;
  return `${n} request${n === 1 ? '' : 's'} to hosts outside the world, all refused; first: ${first?.method} ${first?.url}`;
}

function formatBytes(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MB` : `${bytes} bytes`;
}

// Lines that usually say why a program stopped, in any language's words for it.
const WHY = /(error|exception|fatal|panic)\b|\bE[A-Z]{3,}\b|not found|no such file|permission denied|cannot|can't|unable to|refused/i;
const WHY_MAX_CHARS = 300;

/** The first line of stderr that says why the agent stopped, if one does. */
function whyLine(stderr: string): string | undefined {
  for (const line of stderr.split('\n')) {
    const text = line.trim();
    if (text && WHY.test(text)) return text.length > WHY_MAX_CHARS ? `${text.slice(0, WHY_MAX_CHARS)}…` : text;
  }
  return undefined;
}

function tail(text: string): string {
  return text.length <= TAIL_CHARS ? text : `…${text.slice(-TAIL_CHARS)}`;
}

/** The tail of stderr, led by its first line that says why when the tail has lost it. */
function tailKeepingWhy(stderr: string): string {
  const end = tail(stderr);
  if (end === stderr) return end;
  const why = whyLine(stderr.slice(0, -TAIL_CHARS));
  return why && !end.includes(why) ? `${why}\n${end}` : end;
}

export type { Finding };
