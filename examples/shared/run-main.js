// @ts-check
// Process mode for the framework examples: the trigger from AGENT_CHAOS_TRIGGER_FILE (or stdin),
// the answer on stdout, exit 0 once the run has ended (its audit says how), 1 on a crash.
import { readFile } from 'node:fs/promises';

/** @param {(input: { env: Record<string, string | undefined>, trigger: any, signal: AbortSignal }) => Promise<string>} agent */
export async function runMain(agent) {
  const controller = new AbortController();
  process.once('SIGTERM', () => controller.abort(new Error('received SIGTERM')));
  try {
    const text = process.env.AGENT_CHAOS_TRIGGER_FILE ? await readFile(process.env.AGENT_CHAOS_TRIGGER_FILE, 'utf8') : await stdin();
    const answer = await agent({ env: process.env, trigger: JSON.parse(text), signal: controller.signal });
    process.stdout.write(`${answer}\n`, () => process.exit(0));
  } catch (err) {
    process.stderr.write(`agent crashed: ${/** @type {Error} */ (err)?.message ?? err}\n`, () => process.exit(1));
  }
}

async function stdin() {
  let text = '';
  for await (const chunk of process.stdin) text += chunk;
  return text;
}
