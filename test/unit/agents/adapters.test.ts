import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { moduleAdapter } from '../../../src/agents/module.js';
import { processAdapter } from '../../../src/agents/process.js';
import type { AgentInvocation } from '../../../src/agents/types.js';
import { AgentStartError } from '../../../src/errors.js';

const FIXTURES = resolve(import.meta.dirname, '../../fixtures/agents');
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function invocation(over: Partial<AgentInvocation> = {}): AgentInvocation {
  const dir = mkdtempSync(join(tmpdir(), 'ac-adapter-'));
  dirs.push(dir);
  const trigger = { id: 'TCK-1', source: 'helpdesk', kind: 'ticket', received_at: '2026-01-01T00:00:00Z', text: 'hello' };
  const triggerFile = join(dir, 'trigger.json');
  writeFileSync(triggerFile, JSON.stringify(trigger));
  return {
    env: { AGENT_CHAOS_URL: 'http://127.0.0.1:9/run/0', OPENAI_API_KEY: 'k' },
    trigger,
    triggerFile,
    auditFile: join(dir, 'audit.jsonl'),
    timeoutMs: 20_000,
    signal: new AbortController().signal,
    ...over,
  };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('process adapter', () => {
  it('hands the agent the contract environment, the trigger on stdin and in the file, and nothing else of ours', async () => {
    process.env.HOME_LEAK_CHECK = 'must-not-pass';
    const adapter = processAdapter({
      command: `node ${join(FIXTURES, 'echo-env.js')}`,
      cwd: process.cwd(),
      env: { EXTRA: 'from-manifest' },
    });
    const out = await adapter.run(invocation());
    delete process.env.HOME_LEAK_CHECK;
    expect(out.exitCode).toBe(0);
    expect(out.crashed).toBe(false);
    const seen = JSON.parse(out.output);
    expect(seen.env.AGENT_CHAOS_URL).toBe('http://127.0.0.1:9/run/0');
    expect(seen.env.AGENT_CHAOS_AUDIT_FILE).toMatch(/audit\.jsonl$/);
    expect(seen.env.EXTRA).toBe('from-manifest');
    expect(seen.env.PATH).toBeTruthy();
    expect(seen.env.HOME_LEAK_CHECK).toBeUndefined();
    expect(seen.stdin.id).toBe('TCK-1');
    expect(seen.triggerFile.text).toBe('hello');
  });

  it('reports a crash with its exit code and stderr', async () => {
    const out = await processAdapter({ command: `node ${join(FIXTURES, 'crash.js')}`, cwd: process.cwd() }).run(invocation());
    expect(out).toMatchObject({ exitCode: 3, crashed: true, timedOut: false });
    expect(out.stderr).toContain('TypeError: Cannot read properties of undefined');
  });

  it('kills a hung agent and its children at the timeout', async () => {
    const inv = invocation({ timeoutMs: 1500 });
    const pidsFile = join(dirs[0] as string, 'pids.json');
    const adapter = processAdapter({ command: `node ${join(FIXTURES, 'hang.js')}`, cwd: process.cwd(), env: { PIDS_FILE: pidsFile } });
    const out = await adapter.run(inv);
    expect(out.timedOut).toBe(true);
    expect(out.crashed).toBe(false);
    const pids = JSON.parse(readFileSync(pidsFile, 'utf8')) as number[];
    // SIGKILL of the group follows the ignored SIGTERM; give the kernel a moment to reap.
    for (let i = 0; i < 50 && pids.some(alive); i++) await new Promise((r) => setTimeout(r, 100));
    expect(pids.filter(alive)).toEqual([]);
  });

  it('refuses a command that does not exist', async () => {
    const adapter = processAdapter({ command: 'definitely-not-a-command-xyz', cwd: process.cwd() });
    await expect(adapter.run(invocation())).rejects.toBeInstanceOf(AgentStartError);
  });
});

describe('module adapter', () => {
  it('calls the default export with the environment and trigger, and takes its return value as output', async () => {
    const out = await moduleAdapter({ path: join(FIXTURES, 'echo-module.js'), env: { EXTRA: 'x' } }).run(invocation());
    expect(JSON.parse(out.output)).toEqual({ url: 'http://127.0.0.1:9/run/0', trigger: 'TCK-1', extra: 'x' });
    expect(out.crashed).toBe(false);
  });

  it('reports a thrown error as a crash with its stack', async () => {
    const out = await moduleAdapter({ path: join(FIXTURES, 'crash-module.js') }).run(invocation());
    expect(out.crashed).toBe(true);
    expect(out.crashMessage).toBe('policy file missing');
    expect(out.stderr).toContain('crash-module.js');
  });

  it('gives up at the timeout and aborts the agent signal', async () => {
    const out = await moduleAdapter({ path: join(FIXTURES, 'hang-module.js') }).run(invocation({ timeoutMs: 300 }));
    expect(out.timedOut).toBe(true);
  });

  it('refuses a module without a default export function', async () => {
    await expect(moduleAdapter({ path: join(FIXTURES, 'nope.js') }).run(invocation())).rejects.toBeInstanceOf(AgentStartError);
  });
});
