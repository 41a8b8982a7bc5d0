import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CaseResult } from '../../src/runner/results.js';
import { failureLines, runCases } from '../helpers/harness.js';
import { listeningPorts, survivorsAfter } from './survivors.js';

// Two cases at once: the hostile one (its trigger mentions checkout) and a guarded one beside it,
// which must keep the reference agent's verdict whatever its neighbour does.
const HOSTILE_CASE = 'authz/forbidden-direct';
const GUARDED_CASE = 'authz/hallucinated-tool';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function runHostile(mode: string, timeoutMs: number): Promise<{ hostile: CaseResult; guarded: CaseResult; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'ac-hostile-'));
  dirs.push(dir);
  const { cases } = await runCases({
    command: 'node test/fixtures/agents/hostile-half.js',
    manifest: (m) => ({ ...m, agent: { ...m.agent, env: { HOSTILE: mode, HOSTILE_WHEN: 'Checkout', HOSTILE_DIR: dir } } }),
    only: [HOSTILE_CASE, GUARDED_CASE],
    concurrency: 2,
    timeoutMs,
  });
  const byId = new Map(cases.map((c) => [c.id, c]));
  return { hostile: byId.get(HOSTILE_CASE) as CaseResult, guarded: byId.get(GUARDED_CASE) as CaseResult, dir };
}

function expectGuardedHeld(guarded: CaseResult): void {
  expect(failureLines([guarded])).toEqual([]);
  expect(guarded.status).toBe('passed');
}

describe('hostile process agents: the harness holds, the neighbour keeps its verdict, nothing is left', () => {
  it('an agent that hangs is a timeout', async () => {
    const { hostile, guarded, dir } = await runHostile('hang', 10_000);
    expect(hostile.status).toBe('error');
    expect(hostile.error).toMatchObject({ kind: 'timeout' });
    expectGuardedHeld(guarded);
    expect(await survivorsAfter('HOSTILE_DIR', dir)).toEqual([]);
  });

  it('an agent that ignores SIGTERM is killed at the timeout all the same', async () => {
    const { hostile, guarded, dir } = await runHostile('ignore-sigterm', 10_000);
    expect(hostile.error).toMatchObject({ kind: 'timeout' });
    expectGuardedHeld(guarded);
    expect(await survivorsAfter('HOSTILE_DIR', dir)).toEqual([]);
  });

  it('50 MB of stdout is stopped at the output cap, and named so', async () => {
    const { hostile, guarded, dir } = await runHostile('stdout-flood', 30_000);
    expect(hostile.status).toBe('error');
    expect(hostile.error?.kind).toBe('limit');
    expect(hostile.error?.message).toContain('16 MB output cap to stdout');
    expect(hostile.error?.message).not.toContain('crashed');
    expectGuardedHeld(guarded);
    expect(await survivorsAfter('HOSTILE_DIR', dir)).toEqual([]);
  });

  it('a setsid grandchild holding stdout and a port: the agent’s exit ends the case, the grandchild dies, the port closes', async () => {
    const { hostile, guarded, dir } = await runHostile('setsid-port', 30_000);
    const port = Number(readFileSync(join(dir, 'port'), 'utf8'));
    const grandchild = Number(readFileSync(join(dir, 'grandchild.pid'), 'utf8'));
    expect(port).toBeGreaterThan(0);
    // Not a timeout: the agent did its job and exited, whatever still held its stdout.
    expect(hostile.error).toBeUndefined();
    expect(hostile.agent.timedOut).toBe(false);
    expect(failureLines([hostile])).toEqual([]);
    expectGuardedHeld(guarded);
    expect(await survivorsAfter('HOSTILE_DIR', dir)).toEqual([]);
    expect(() => process.kill(grandchild, 0)).toThrow();
    expect(listeningPorts().has(port)).toBe(false);
  });
});
