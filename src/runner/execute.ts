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
import type { CaseError, CaseResult, CaseTranscript, Finding } from './results.js';
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
  await host.start();
  if (options.adapter.kind === 'module') host.enableInProcess();
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
    const error = caseError(outcome, audit, options.caseTimeoutMs);
    return {
      result: {
        ...base,
        status: error ? 'error' : findings.some((f) => f.status === 'fail') ? 'failed' : 'passed',
        findings,
        ...(error ? { error } : {}),
        agent: agentSummary(outcome),
        durationMs: Date.now() - startedAt.getTime(),
        transcript: transcriptOf(run),
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
    stderrTail: tail(outcome.stderr),
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
  };
}

/** A case that did not end normally: timed out, or crashed (contract: non-zero exit with no run.ended). */
function caseError(outcome: AgentOutcome, audit: AuditLog, timeoutMs: number): CaseError | undefined {
  const stderrTail = tail(outcome.stderr);
  if (outcome.timedOut) {
    return {
      kind: 'timeout',
      message: `the agent did not finish within the case timeout of ${timeoutMs} ms and was killed`,
      ...(stderrTail ? { stderrTail } : {}),
    };
  }
  const ended = audit.records.some((r) => r.type === 'run.ended');
  if (outcome.crashed && !ended) {
    const how = outcome.crashMessage ?? (outcome.signal ? `killed by ${outcome.signal}` : `exit code ${outcome.exitCode}`);
    return { kind: 'crash', message: `the agent crashed (${how}) without a run.ended record`, ...(stderrTail ? { stderrTail } : {}) };
  }
  return undefined;
}

function tail(text: string): string {
  return text.length <= TAIL_CHARS ? text : `…${text.slice(-TAIL_CHARS)}`;
}

export type { Finding };
