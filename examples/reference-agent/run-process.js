// @ts-check
// Process mode: the same run as module mode, driven by a process. Shared by every example agent's
// main.js. Exit 0 once the run has ended (completed, stopped or failed, as the audit says); 1 on a
// crash; 128+n after a signal.
import { readFile } from 'node:fs/promises';
import { createRedactor, secretsFromEnv } from './redact.js';

// After a signal the run gets this long to write run.ended before the process goes anyway.
const SIGNAL_GRACE_MS = 3000;

/**
 * @param {import('./agent.js').Run} run
 */
export async function runMain(run) {
  const controller = new AbortController();
  /** @type {number | undefined} */
  let signalExit;
  for (const [name, code] of /** @type {const} */ ([
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ])) {
    process.once(name, () => {
      signalExit = code;
      controller.abort(new Error(`received ${name}`));
      setTimeout(() => process.exit(code), SIGNAL_GRACE_MS).unref();
    });
  }
  try {
    const trigger = await readTrigger(process.env);
    const answer = await run({ env: process.env, trigger, signal: controller.signal });
    await write(process.stdout, `${answer}\n`);
    process.exit(signalExit ?? 0);
  } catch (err) {
    // Even a crash report must not leak a secret.
    const redactor = createRedactor({ secrets: secretsFromEnv(process.env) });
    await write(process.stderr, `agent crashed: ${redactor.redactText(String(/** @type {any} */ (err)?.message ?? err))}\n`);
    process.exit(1);
  }
}

/** The trigger file when there is one, else stdin (the harness writes both). @param {NodeJS.ProcessEnv} env */
async function readTrigger(env) {
  if (env.AGENT_CHAOS_TRIGGER_FILE) return readFile(env.AGENT_CHAOS_TRIGGER_FILE, 'utf8');
  let text = '';
  for await (const chunk of process.stdin) text += chunk;
  return text;
}

/** @param {NodeJS.WriteStream} stream @param {string} text */
function write(stream, text) {
  return new Promise((resolve) => stream.write(text, () => resolve(undefined)));
}
