import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { AgentStartError } from '../errors.js';
import type { AgentAdapter, AgentInvocation, AgentModuleEntry, AgentOutcome } from './types.js';

export interface ModuleAdapterOptions {
  /** Absolute path of the module whose default export is the agent. */
  path: string;
  env?: Record<string, string>;
}

async function importAgent(path: string): Promise<AgentModuleEntry> {
  if (!existsSync(path)) throw new AgentStartError(`agent.module not found: ${path}`);
  let mod: { default?: unknown };
  try {
    mod = /\.(c|m)?tsx?$/.test(path) ? await importTypeScript(path) : await import(pathToFileURL(path).href);
  } catch (err) {
    throw new AgentStartError(`cannot import agent.module ${path}: ${(err as Error).message}`, { cause: err });
  }
  if (typeof mod.default !== 'function')
    throw new AgentStartError(`agent.module ${path} has no default export function (the module contract)`);
  return mod.default as AgentModuleEntry;
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

/**
 * Runs a TS/JS agent in-process: its default export is called with the contract environment
 * as an object. The world intercepts its real fetch traffic (msw), so SDK clients need no change.
 */
export function moduleAdapter(options: ModuleAdapterOptions): AgentAdapter {
  let entry: Promise<AgentModuleEntry> | undefined;
  return {
    kind: 'module',
    async run(inv: AgentInvocation): Promise<AgentOutcome> {
      entry ??= importAgent(options.path);
      const agent = await entry;
      const started = Date.now();
      const controller = new AbortController();
      const onAbort = () => controller.abort(inv.signal.reason);
      inv.signal.addEventListener('abort', onAbort, { once: true });
      const env = { ...options.env, ...inv.env, AGENT_CHAOS_TRIGGER_FILE: inv.triggerFile, AGENT_CHAOS_AUDIT_FILE: inv.auditFile };

      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), inv.timeoutMs);
      });
      try {
        const outcome = await Promise.race([
          Promise.resolve().then(() => agent({ env, trigger: inv.trigger, signal: controller.signal })),
          timeout,
        ]);
        if (outcome === 'timeout') {
          // An in-process agent cannot be killed; abort its signal and let the world cut its requests.
          controller.abort(new Error('agent-chaos: case timeout'));
          return {
            output: '',
            stderr: '',
            exitCode: null,
            signal: 'timeout',
            timedOut: true,
            crashed: false,
            durationMs: Date.now() - started,
          };
        }
        const output = typeof outcome === 'string' ? outcome : outcome && typeof outcome === 'object' ? String(outcome.output ?? '') : '';
        return { output, stderr: '', exitCode: 0, signal: null, timedOut: false, crashed: false, durationMs: Date.now() - started };
      } catch (err) {
        const e = err as Error;
        return {
          output: '',
          stderr: e?.stack ?? String(err),
          exitCode: 1,
          signal: null,
          timedOut: false,
          crashed: true,
          crashMessage: e?.message ?? String(err),
          durationMs: Date.now() - started,
        };
      } finally {
        clearTimeout(timer);
        inv.signal.removeEventListener('abort', onAbort);
      }
    },
  };
}
