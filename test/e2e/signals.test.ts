import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';

// Runs the built CLI against a slow fixture agent and stops it with SIGINT (once, twice) and
// SIGTERM at several moments: every time the reports must be valid, say INCOMPLETE, never READY,
// the exit code must follow the rule (130 after SIGINT, 143 after SIGTERM), and no process the
// agent started may survive.

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/agent-chaos.js');
const SLEEPY = join(ROOT, 'test/fixtures/agents/sleepy.js');
const tmp = mkdtempSync(join(tmpdir(), 'ac-signals-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// Loaded 2-core CI: every wait is bounded, and generously.
const WAIT_MS = 30_000;
const EXIT_AFTER_SIGNAL_MS = 15_000;

async function until(what: string, condition: () => boolean, ms = WAIT_MS): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// A zombie waiting for a parent that never reaps it (PID 1 in some containers) is dead too.
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

interface Started {
  child: ResultPromise<{ reject: false }>;
  dir: string;
  pidsDir: string;
  stdout: () => string;
  stderr: () => string;
  agentRuns: () => number;
}

let runs = 0;

function start(env: { QUICK_RUNS?: string; IGNORE_TERM?: string } = {}): Started {
  runs += 1;
  const dir = join(tmp, `run-${runs}`);
  const pidsDir = join(dir, 'pids');
  mkdirSync(pidsDir, { recursive: true });
  const config = join(dir, 'agent-chaos.config.yaml');
  const agentEnv = JSON.stringify({ PIDS_DIR: pidsDir, QUICK_RUNS: env.QUICK_RUNS ?? '0', IGNORE_TERM: env.IGNORE_TERM ?? '0' });
  writeFileSync(
    config,
    `agent:\n  id: sleepy\n  command: node ${SLEEPY}\n  env: ${agentEnv}\ntools:\n  allow: [read_ticket]\n  forbidden: [delete_repo]\n`,
  );
  const reports = ['--json', join(dir, 'reports/results.json'), '--junit', join(dir, 'reports/junit.xml')];
  const child = execa(
    'node',
    [BIN, 'run', '--config', config, '--case', 'authz/', '--concurrency', '1', '--timeout', '60000', ...reports],
    { cwd: dir, reject: false, env: { NO_COLOR: '1' } },
  );
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString('utf8');
  });
  return { child, dir, pidsDir, stdout: () => out, stderr: () => err, agentRuns: () => readdirSync(pidsDir).length };
}

async function finished(run: Started) {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      run.child.kill('SIGKILL');
      reject(new Error(`the CLI did not exit within ${EXIT_AFTER_SIGNAL_MS} ms of the signal`));
    }, EXIT_AFTER_SIGNAL_MS);
  });
  try {
    return await Promise.race([run.child, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Every pid an agent run recorded: the agent and the child it started. */
function agentPids(run: Started): number[] {
  return readdirSync(run.pidsDir).flatMap((f) => JSON.parse(readFileSync(join(run.pidsDir, f), 'utf8')) as number[]);
}

async function expectInterruptedReports(run: Started, signal: 'SIGINT' | 'SIGTERM') {
  const reports = join(run.dir, 'reports');
  const results = JSON.parse(readFileSync(join(reports, 'results.json'), 'utf8'));
  expect(results.summary.interrupted).toEqual({ signal });
  expect(results.summary.verdict.label).toBe('INCOMPLETE');
  expect(results.summary.verdict.reason).toMatch(new RegExp(`^interrupted by ${signal} after \\d+ of 10 cases`));
  expect(results.summary.ok).toBe(false);
  for (const c of results.cases) expect(c.status === 'error' && c.error.kind !== 'interrupted' ? c.error : 'ok').toBe('ok');

  const xml = readFileSync(join(reports, 'junit.xml'), 'utf8');
  expect(xml.startsWith('<?xml')).toBe(true);
  expect(xml.trimEnd().endsWith('</testsuites>')).toBe(true);
  expect(xml.match(/<testsuite /g)?.length).toBe(xml.match(/<\/testsuite>/g)?.length);
  expect(xml).toContain('<property name="verdict" value="INCOMPLETE"/>');
  expect(xml).toContain(`<property name="interrupted" value="${signal}"/>`);
  expect(xml).not.toContain('value="READY"');

  const readiness = readFileSync(join(run.dir, 'reports/readiness.md'), 'utf8');
  expect(readiness).toContain('**INCOMPLETE**');
  expect(readiness).not.toContain('**READY**');
  // Written to a temporary file and renamed: nothing half-written is left beside the reports.
  expect(readdirSync(reports).sort()).toEqual(['junit.xml', 'readiness.md', 'results.json']);

  const pids = agentPids(run);
  await until('every agent process to be gone', () => !pids.some(alive), 10_000).catch(() => undefined);
  expect(pids.filter(alive)).toEqual([]);
  return results;
}

describe('agent-chaos run, stopped by a signal', { timeout: 90_000 }, () => {
  it('SIGINT once before the first case ends: INCOMPLETE, exit 130, and `report merge` of it is not READY', async () => {
    const run = start();
    await until('the run to start', () => run.stdout().includes('agent-chaos 0.1.0'));
    run.child.kill('SIGINT');
    const r = await finished(run);
    expect(r.exitCode).toBe(130);
    expect(r.stdout).not.toMatch(/^READY/m);
    expect(r.stdout).toMatch(/^INCOMPLETE: interrupted by SIGINT after 0 of 10 cases/m);
    const results = await expectInterruptedReports(run, 'SIGINT');
    expect(results.cases.every((c: { status: string }) => c.status === 'error')).toBe(true);

    const merged = await execa(
      'node',
      [
        BIN,
        'report',
        'merge',
        join(run.dir, 'reports/results.json'),
        '--json',
        join(run.dir, 'm.json'),
        '--junit',
        join(run.dir, 'm.xml'),
        '--report',
        join(run.dir, 'm.md'),
      ],
      { reject: false },
    );
    expect(merged.exitCode).toBe(3);
    expect(merged.stdout).toMatch(/INCOMPLETE: interrupted by SIGINT/);
  });

  it('SIGINT once while the agent runs: its process tree is stopped, the case recorded as interrupted', async () => {
    const run = start();
    await until('the agent to start', () => run.agentRuns() >= 1);
    run.child.kill('SIGINT');
    const r = await finished(run);
    expect(r.exitCode).toBe(130);
    const results = await expectInterruptedReports(run, 'SIGINT');
    expect(results.cases.map((c: { error?: { kind: string } }) => c.error?.kind)).toEqual(['interrupted']);
  });

  it('SIGINT once mid-run: the cases that ended keep their results, the rest are not READY', async () => {
    const run = start({ QUICK_RUNS: '1' });
    await until('the second case to start', () => run.agentRuns() >= 2);
    run.child.kill('SIGINT');
    const r = await finished(run);
    expect(r.exitCode).toBe(130);
    const results = await expectInterruptedReports(run, 'SIGINT');
    expect(results.cases[0].status).toBe('failed');
    expect(results.cases.at(-1).error.kind).toBe('interrupted');
    expect(results.summary.verdict.uncovered.notRun).toBe(10 - results.cases.length);
  });

  it('SIGINT twice, the agent ignoring SIGTERM: stops at once, kills the tree, exit 130', async () => {
    const run = start({ IGNORE_TERM: '1' });
    await until('the agent to start', () => run.agentRuns() >= 1);
    run.child.kill('SIGINT');
    await until('the first SIGINT to be taken', () => run.stderr().includes('press Ctrl-C again'));
    run.child.kill('SIGINT');
    const r = await finished(run);
    expect(r.exitCode).toBe(130);
    expect(r.stderr).toMatch(/stopping at once/);
    await expectInterruptedReports(run, 'SIGINT');
  });

  it('SIGTERM before the first case ends, the agent ignoring SIGTERM: exit 143', async () => {
    const run = start({ IGNORE_TERM: '1' });
    await until('the agent to start', () => run.agentRuns() >= 1);
    run.child.kill('SIGTERM');
    const r = await finished(run);
    expect(r.exitCode).toBe(143);
    await expectInterruptedReports(run, 'SIGTERM');
  });

  it('SIGTERM mid-run: exit 143, the ended case kept', async () => {
    const run = start({ QUICK_RUNS: '1' });
    await until('the second case to start', () => run.agentRuns() >= 2);
    run.child.kill('SIGTERM');
    const r = await finished(run);
    expect(r.exitCode).toBe(143);
    const results = await expectInterruptedReports(run, 'SIGTERM');
    expect(results.cases[0].status).toBe('failed');
    expect(existsSync(join(run.dir, 'reports/results.json'))).toBe(true);
  });
});
