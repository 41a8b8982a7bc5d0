import { randomUUID } from 'node:crypto';
import { execa, parseCommandString } from 'execa';
import { AgentStartError } from '../errors.js';
import { killLeftovers } from './leftovers.js';
import { type AgentAdapter, type AgentInvocation, type AgentOutcome, RUN_TOKEN_VARIABLE } from './types.js';

/** Variables of the harness's own environment an agent process may see; nothing else leaks in. */
const PASSED_THROUGH = ['PATH', 'HOME', 'USER', 'LANG', 'LC_ALL', 'TERM', 'TMPDIR', 'SHELL', 'SYSTEMROOT', 'NODE_PATH'];
const KILL_GRACE_MS = 1500;
/** Once the agent has exited, how long its output pipes may stay open (held by something it left) before they are cut. */
const PIPE_GRACE_MS = 2000;
export const OUTPUT_MAX_BYTES = 16 * 1024 * 1024;

export interface ProcessAdapterOptions {
  command: string;
  cwd: string;
  /** Extra environment from the manifest's `agent.env`. */
  env?: Record<string, string>;
}

/**
 * Runs the agent as a process per case (contract §2): environment and trigger on stdin, stdout
 * as the answer. The process gets its own process group so a timeout kills the whole tree, and
 * a per-run token in its environment, so that whatever it started, however detached, is found
 * and killed when its case ends.
 */
export function processAdapter(options: ProcessAdapterOptions): AgentAdapter {
  const [file, ...args] = parseCommandString(options.command);
  if (!file) throw new AgentStartError('agent.command is empty');
  return {
    kind: 'process',
    async run(inv: AgentInvocation): Promise<AgentOutcome> {
      const started = Date.now();
      const runToken = randomUUID();
      const env: Record<string, string> = {};
      for (const name of PASSED_THROUGH) {
        const value = process.env[name];
        if (value !== undefined) env[name] = value;
      }
      Object.assign(env, options.env, inv.env, {
        AGENT_CHAOS_TRIGGER_FILE: inv.triggerFile,
        AGENT_CHAOS_AUDIT_FILE: inv.auditFile,
        [RUN_TOKEN_VARIABLE]: runToken,
      });

      const child = execa(file, args, {
        cwd: options.cwd,
        env,
        extendEnv: false,
        input: JSON.stringify(inv.trigger),
        reject: false,
        detached: true,
        cleanup: true,
        maxBuffer: OUTPUT_MAX_BYTES,
        stripFinalNewline: false,
      });

      let timedOut = false;
      const killTree = (signal: NodeJS.Signals) => {
        if (child.pid === undefined) return;
        try {
          process.kill(-child.pid, signal);
        } catch {
          // ESRCH: the group is already gone.
        }
      };
      const stop = () => {
        killTree('SIGTERM');
        setTimeout(() => killTree('SIGKILL'), KILL_GRACE_MS).unref();
      };
      const timer = setTimeout(() => {
        timedOut = true;
        stop();
      }, inv.timeoutMs);
      inv.signal.addEventListener('abort', stop, { once: true });

      // The agent's own exit ends its case, even while something it started still holds its
      // stdout open: that is no timeout. What it left is killed, which closes the pipe; a pipe
      // still open after that (held by a process beyond reach) is cut.
      let pipeTimer: NodeJS.Timeout | undefined;
      child.once('exit', () => {
        clearTimeout(timer);
        killTree('SIGKILL');
        void killLeftovers(RUN_TOKEN_VARIABLE, runToken);
        pipeTimer = setTimeout(() => {
          child.stdout?.destroy();
          child.stderr?.destroy();
        }, PIPE_GRACE_MS);
      });

      const result = await child;
      clearTimeout(timer);
      clearTimeout(pipeTimer);
      inv.signal.removeEventListener('abort', stop);
      // Children the agent left behind (servers, workers) go with it, and so does anything that
      // left its process group (setsid, double fork): found by the run token.
      killTree('SIGKILL');
      await killLeftovers(RUN_TOKEN_VARIABLE, runToken);

      if (result.failed && result.exitCode === undefined && !result.signal && result.code === 'ENOENT') {
        throw new AgentStartError(`cannot start the agent: "${file}" not found (agent.command: ${options.command})`);
      }
      const exitCode = result.exitCode ?? null;
      const signal = result.signal ?? null;
      const outputLimit = result.isMaxBuffer ? { stream: cappedStream(result), maxBytes: OUTPUT_MAX_BYTES } : undefined;
      return {
        output: String(result.stdout ?? ''),
        stderr: String(result.stderr ?? ''),
        exitCode,
        signal,
        timedOut: timedOut && !outputLimit,
        crashed: !timedOut && (exitCode !== 0 || signal !== null),
        durationMs: Date.now() - started,
        ...(outputLimit ? { outputLimit } : {}),
      };
    },
  };
}

// execa names the stream that passed maxBuffer in its message ("Command's stdout was larger than …").
function cappedStream(result: { shortMessage?: string; message?: string }): 'stdout' | 'stderr' {
  return /\bstderr\b/.test(result.shortMessage ?? result.message ?? '') ? 'stderr' : 'stdout';
}
