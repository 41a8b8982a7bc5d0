// The inside of a module agent's worker thread: loads the agent once, then runs it once per
// message, with this thread's HTTP traffic intercepted so that only the world is reachable.
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';
import { BatchInterceptor } from '@mswjs/interceptors';
import nodeInterceptors from '@mswjs/interceptors/presets/node';
import type { Trigger } from '../runner/case.js';
import { type AgentModuleEntry, RUN_TOKEN_VARIABLE } from './types.js';

/** Set once, when the worker is created. */
export interface ModuleWorkerData {
  /** Absolute path of the agent module. */
  path: string;
}

/** Main thread to worker. */
export type ToWorker =
  | { type: 'run'; env: Record<string, string>; trigger: Trigger; origin: string; runToken: string }
  | { type: 'abort'; reason: string };

/** Worker to main thread. */
export type FromWorker =
  | { type: 'ready' }
  | { type: 'start-error'; message: string }
  | { type: 'egress'; method: string; url: string; at: number }
  | { type: 'printed'; stream: 'stdout' | 'stderr'; text: string }
  /** `resources`: what keeps the thread busy after the run (process.getActiveResourcesInfo()). */
  | { type: 'done'; output: string; resources: string[] }
  | { type: 'threw'; message: string; stack: string; resources: string[] };

const port = parentPort;
if (!port) throw new Error('module-worker runs only as a worker thread');
const post = (message: FromWorker) => port.postMessage(message);

let current: { origin: string; controller: AbortController } | undefined;

// For the thread's whole life: the world's origin goes through to the host's real HTTP bridge
// (so the world sees exactly what a process agent would send); anything else is refused as a
// network error and reported, even between runs, when a leftover sends it. msw's own engine
// (@mswjs/interceptors) rather than msw's setupServer: setupServer tees every response for its
// lifecycle events and never reads the copy, so an SDK that cancels a body it does not need (the
// MCP client on a 202) waits forever on the cancel.
const interception = new BatchInterceptor({ name: 'agent-chaos-module-agent', interceptors: nodeInterceptors });
interception.apply();
interception.on('request', ({ request, controller }) => {
  if (current && new URL(request.url).origin === current.origin) return;
  post({ type: 'egress', method: request.method, url: request.url, at: Date.now() });
  controller.respondWith(Response.error());
});

// What the agent prints during a run is its log, handed to the main thread with the run. The
// thread's own stdio would do that too, but its streams hold the harness process open.
for (const stream of ['stdout', 'stderr'] as const) {
  process[stream].write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    if (current) post({ type: 'printed', stream, text: typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8') });
    const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    callback?.();
    return true;
  }) as typeof process.stdout.write;
}

async function importTypeScript(path: string): Promise<{ default?: unknown }> {
  try {
    const { tsImport } = (await import('tsx/esm/api')) as { tsImport: (p: string, parent: string) => Promise<{ default?: unknown }> };
    return await tsImport(pathToFileURL(path).href, import.meta.url);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && String(err).includes("'tsx")) {
      throw new Error('a TypeScript agent module needs the "tsx" package installed');
    }
    throw err;
  }
}

async function importAgent(path: string): Promise<AgentModuleEntry | string> {
  if (!existsSync(path)) return `agent.module not found: ${path}`;
  let mod: { default?: unknown };
  try {
    mod = /\.(c|m)?tsx?$/.test(path) ? await importTypeScript(path) : await import(pathToFileURL(path).href);
  } catch (err) {
    return `cannot import agent.module ${path}: ${(err as Error)?.message ?? String(err)}`;
  }
  if (typeof mod.default !== 'function') return `agent.module ${path} has no default export function (the module contract)`;
  return mod.default as AgentModuleEntry;
}

const liveResources = () => process.getActiveResourcesInfo();

async function run(agent: AgentModuleEntry, message: Extract<ToWorker, { type: 'run' }>): Promise<void> {
  const controller = new AbortController();
  current = { origin: message.origin, controller };
  // Children the agent spawns inherit it (child_process reads this thread's process.env).
  process.env[RUN_TOKEN_VARIABLE] = message.runToken;
  try {
    const outcome = await agent({ env: message.env, trigger: message.trigger, signal: controller.signal });
    const output = typeof outcome === 'string' ? outcome : outcome && typeof outcome === 'object' ? String(outcome.output ?? '') : '';
    current = undefined;
    post({ type: 'done', output, resources: liveResources() });
  } catch (err) {
    current = undefined;
    const e = err as Error;
    post({ type: 'threw', message: e?.message ?? String(err), stack: e?.stack ?? String(err), resources: liveResources() });
  } finally {
    delete process.env[RUN_TOKEN_VARIABLE];
  }
}

const loaded = await importAgent((workerData as ModuleWorkerData).path);
if (typeof loaded === 'string') {
  post({ type: 'start-error', message: loaded });
} else {
  port.on('message', (message: ToWorker) => {
    if (message.type === 'run') void run(loaded, message);
    else current?.controller.abort(new Error(message.reason));
  });
  post({ type: 'ready' });
}
