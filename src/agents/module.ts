import { randomUUID } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { AgentStartError } from '../errors.js';
import { packageRoot } from '../paths.js';
import { killLeftovers } from './leftovers.js';
import type { FromWorker, ModuleWorkerData, ToWorker } from './module-worker.js';
import { type AgentAdapter, type AgentInvocation, type AgentOutcome, type RefusedRequest, RUN_TOKEN_VARIABLE } from './types.js';

export interface ModuleAdapterOptions {
  /** Absolute path of the module whose default export is the agent. */
  path: string;
  env?: Record<string, string>;
}

/** How long an aborted agent may take to return before its thread is stopped. */
const ABORT_GRACE_MS = 1500;
/** A module whose top-level code takes longer than this to load never becomes ready. */
const MIN_LOAD_LIMIT_MS = 30_000;
// What could outlive a run and act in the next one is anything but these. Sockets are left
// out: the only ones an agent can hold here lead to the world, which ends its requests when the
// case ends, and idle keep-alive connections to it are harmless.
const HARMLESS = new Set(['TCPSocketWrap', 'TCPWrap', 'CloseReq', 'MessagePort', 'TTYWrap', 'PipeWrap']);
const leftBehind = (resources: readonly string[]) => resources.filter((r) => !HARMLESS.has(r));

/** Of what the agent prints, at most this much is kept per run (the tail). */
const PRINTED_MAX_CHARS = 1024 * 1024;

// Built, the worker is plain JS beside this file. From source (the tests), it is TypeScript: the
// build of it is used when it is as new as its source (`npm test` builds first), else it loads
// through tsx, which a tiny CommonJS bootstrap pulls in (about a second more per thread).
const TS_BOOTSTRAP = `const { workerData } = require('node:worker_threads');
import(workerData.tsx).then(({ tsImport }) => tsImport(workerData.entry, workerData.entry));`;

function startWorker(data: ModuleWorkerData): Worker {
  const options = { workerData: data } as const;
  const beside = new URL('./module-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(beside))) return new Worker(beside, options);
  const source = fileURLToPath(new URL('./module-worker.ts', import.meta.url));
  const built = join(packageRoot(), 'dist/src/agents/module-worker.js');
  if (newer(built, [source, fileURLToPath(new URL('./types.ts', import.meta.url))])) return new Worker(pathToFileURL(built), options);
  const tsx = import.meta.resolve('tsx/esm/api');
  return new Worker(TS_BOOTSTRAP, { ...options, eval: true, workerData: { ...data, tsx, entry: pathToFileURL(source).href } });
}

function newer(file: string, than: string[]): boolean {
  try {
    const at = statSync(file).mtimeMs;
    return than.every((t) => statSync(t).mtimeMs <= at);
  } catch {
    return false;
  }
}

/** One worker thread that runs the agent, one case at a time. */
class AgentThread {
  readonly worker: Worker;
  /** Resolves once the agent module is imported; rejects with why it cannot be. */
  readonly ready: Promise<void>;
  #exited = false;
  #printed: { stdout: string; stderr: string } | undefined;
  #listener: ((message: FromWorker) => void) | undefined;
  #onGone: ((why: string, exitCode: number | null) => void) | undefined;

  constructor(path: string) {
    this.worker = startWorker({ path });
    this.ready = new Promise<void>((resolve, reject) => {
      this.#listener = (message) => {
        if (message.type === 'ready') resolve();
        else if (message.type === 'start-error') reject(new AgentStartError(message.message));
      };
      this.#onGone = (why) => reject(new AgentStartError(`cannot load agent.module: ${why}`));
    });
    this.ready.catch(() => {});
    this.worker.on('message', (message: FromWorker) => {
      if (message.type === 'printed') this.#keep(message.stream, message.text);
      else this.#listener?.(message);
    });
    this.worker.on('error', (err) => this.#onGone?.(`${err?.stack ?? err}`, null));
    this.worker.on('exit', (code) => {
      this.#exited = true;
      this.#onGone?.(`the agent ended its thread (process.exit(${code}))`, code);
    });
    // A thread never holds the harness open (a pending run holds it through its own timer).
    // After the listeners: adding a 'message' listener refs the port again.
    this.worker.unref();
  }

  #keep(stream: 'stdout' | 'stderr', chunk: string): void {
    if (!this.#printed) return;
    const text = this.#printed[stream] + chunk;
    this.#printed[stream] = text.length > PRINTED_MAX_CHARS ? text.slice(-PRINTED_MAX_CHARS) : text;
  }

  get exited(): boolean {
    return this.#exited;
  }

  /** Runs the agent once; `onMessage` sees the run's messages, `onGone` a thread that died. */
  begin(onMessage: (message: FromWorker) => void, onGone: (why: string, exitCode: number | null) => void): void {
    this.#printed = { stdout: '', stderr: '' };
    this.#listener = onMessage;
    this.#onGone = onGone;
  }

  /** Stops listening for the run; returns what the agent printed during it. */
  end(): { stdout: string; stderr: string } {
    const printed = this.#printed ?? { stdout: '', stderr: '' };
    this.#printed = undefined;
    this.#listener = undefined;
    this.#onGone = undefined;
    return printed;
  }

  post(message: ToWorker): void {
    this.worker.postMessage(message);
  }

  async stop(): Promise<void> {
    this.end();
    await this.worker.terminate().catch(() => {});
  }
}

/**
 * Runs a TS/JS agent in a worker thread of this process: its default export is called with the
 * contract environment as an object. The thread's HTTP traffic is intercepted (msw): requests to
 * the world pass through to its loopback bridge, any other host is refused and reported, so SDK
 * clients need no change. The case timeout stops the thread even in a busy loop, and a thread the
 * agent left timers, servers or processes in is discarded, so nothing it leaves holds the harness.
 */
export function moduleAdapter(options: ModuleAdapterOptions): AgentAdapter {
  const mine = new Set<AgentThread>();
  const retire = (thread: AgentThread) => {
    mine.delete(thread);
    void thread.stop();
  };

  return {
    kind: 'module',
    async run(inv: AgentInvocation): Promise<AgentOutcome> {
      const thread = takeIdle(options.path) ?? new AgentThread(options.path);
      mine.add(thread);
      try {
        await loaded(thread, Math.max(MIN_LOAD_LIMIT_MS, inv.timeoutMs));
      } catch (err) {
        retire(thread);
        throw err;
      }
      const runToken = randomUUID();
      const outcome = await runOnce(thread, inv, options, runToken);
      await killLeftovers(RUN_TOKEN_VARIABLE, runToken);
      if (outcome.reusable) {
        mine.delete(thread);
        putIdle(options.path, thread);
      } else retire(thread);
      return outcome.outcome;
    },
    async close() {
      // Threads still running a case (an interrupted run) are stopped; idle ones stay pooled.
      await Promise.all([...mine].map((t) => t.stop()));
      mine.clear();
    },
  };
}

// Clean idle threads, per module, shared by every adapter of this process: a module is imported
// once per process, as an in-process import always was, and a test suite that runs the same agent
// in many runs pays for a thread once. They never hold the process open (unref'd).
const IDLE_PER_MODULE = 4;
const idleThreads = new Map<string, AgentThread[]>();

function takeIdle(path: string): AgentThread | undefined {
  const list = idleThreads.get(path) ?? [];
  for (let thread = list.pop(); thread; thread = list.pop()) if (!thread.exited) return thread;
  return undefined;
}

function putIdle(path: string, thread: AgentThread): void {
  const list = idleThreads.get(path) ?? [];
  idleThreads.set(path, list);
  if (list.length >= IDLE_PER_MODULE) void thread.stop();
  else list.push(thread);
}

async function loaded(thread: AgentThread, limitMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      thread.ready,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new AgentStartError(`agent.module did not finish loading within ${limitMs} ms`)), limitMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function runOnce(
  thread: AgentThread,
  inv: AgentInvocation,
  options: ModuleAdapterOptions,
  runToken: string,
): Promise<{ outcome: AgentOutcome; reusable: boolean }> {
  const started = Date.now();
  const egress: RefusedRequest[] = [];
  const env = { ...options.env, ...inv.env, AGENT_CHAOS_TRIGGER_FILE: inv.triggerFile, AGENT_CHAOS_AUDIT_FILE: inv.auditFile };
  return new Promise((resolve) => {
    let timedOut = false;
    let interrupted = false;
    let grace: NodeJS.Timeout | undefined;
    const finish = (result: Omit<AgentOutcome, 'durationMs' | 'timedOut' | 'stderr'> & { stderr?: string }, reusable: boolean) => {
      clearTimeout(timer);
      clearTimeout(grace);
      inv.signal.removeEventListener('abort', onInterrupt);
      const printed = thread.end();
      // A module's answer is its return value: whatever it printed is its log, kept as stderr.
      const stderr = [printed.stdout, printed.stderr, result.stderr].filter(Boolean).join('\n');
      resolve({
        outcome: {
          ...result,
          stderr,
          timedOut,
          durationMs: Date.now() - started,
          ...(egress.length > 0 ? { egress } : {}),
        },
        reusable: reusable && !timedOut && !interrupted,
      });
    };
    // The agent's signal first, then, if it has not returned within the grace, the thread.
    const abort = (reason: string) => {
      thread.post({ type: 'abort', reason });
      grace ??= setTimeout(() => {
        const how = timedOut ? 'it did not return within the case timeout' : 'the run was interrupted';
        finish({ output: '', exitCode: null, signal: timedOut ? 'timeout' : 'interrupted', crashed: !timedOut, crashMessage: how }, false);
      }, ABORT_GRACE_MS);
    };
    const timer = setTimeout(() => {
      timedOut = true;
      abort('agent-chaos: case timeout');
    }, inv.timeoutMs);
    const onInterrupt = () => {
      interrupted = true;
      abort('agent-chaos: run interrupted');
    };
    inv.signal.addEventListener('abort', onInterrupt, { once: true });

    thread.begin(
      (message) => {
        if (message.type === 'egress') egress.push({ method: message.method, url: message.url, at: message.at });
        else if (message.type === 'done') {
          finish({ output: message.output, exitCode: 0, signal: null, crashed: false }, leftBehind(message.resources).length === 0);
        } else if (message.type === 'threw') {
          finish(
            { output: '', stderr: message.stack, exitCode: 1, signal: null, crashed: true, crashMessage: message.message },
            leftBehind(message.resources).length === 0,
          );
        }
      },
      (why, exitCode) => finish({ output: '', stderr: why, exitCode, signal: null, crashed: true, crashMessage: why }, false),
    );
    thread.post({ type: 'run', env, trigger: inv.trigger, origin: worldOrigin(inv.env), runToken });
    if (inv.signal.aborted) onInterrupt();
  });
}

/** The origin the agent may reach: the world's, read from its base URL. */
function worldOrigin(env: Record<string, string>): string {
  const base = env.AGENT_CHAOS_URL;
  try {
    return base ? new URL(base).origin : 'null';
  } catch {
    return 'null';
  }
}
