import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import type { CaseResult } from '../../src/runner/results.js';
import { FIXTURE_AGENTS, failureLines, REFERENCE_CONFIG, ROOT, runCases } from '../helpers/harness.js';

// Two cases at once in one run: the hostile one (its trigger mentions checkout) and a guarded one
// beside it, which must keep the reference agent's verdict whatever its neighbour does.
const HOSTILE_CASE = 'authz/forbidden-direct';
const GUARDED_CASE = 'authz/hallucinated-tool';
const MODULE = 'test/fixtures/agents/hostile-half-module.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function runHostile(mode: string, timeoutMs: number): Promise<{ hostile: CaseResult; guarded: CaseResult }> {
  const { cases } = await runCases({
    module: MODULE,
    manifest: (m) => ({ ...m, agent: { ...m.agent, env: { HOSTILE: mode, HOSTILE_WHEN: 'Checkout' } } }),
    only: [HOSTILE_CASE, GUARDED_CASE],
    concurrency: 2,
    timeoutMs,
  });
  const byId = new Map(cases.map((c) => [c.id, c]));
  return { hostile: byId.get(HOSTILE_CASE) as CaseResult, guarded: byId.get(GUARDED_CASE) as CaseResult };
}

function expectGuardedHeld(guarded: CaseResult): void {
  expect(failureLines([guarded])).toEqual([]);
  expect(guarded.status).toBe('passed');
}

describe('hostile module (in-process) agents', () => {
  it('a busy loop is stopped at the case timeout, and the neighbour keeps its verdict', async () => {
    const started = Date.now();
    const { hostile, guarded } = await runHostile('busy-loop', 8_000);
    expect(hostile.status).toBe('error');
    expect(hostile.error).toMatchObject({ kind: 'timeout' });
    expectGuardedHeld(guarded);
    // The timeout plus the abort grace, not forever; generous for a loaded machine.
    expect(Date.now() - started).toBeLessThan(120_000);
  });

  it('a timer left running changes no verdict', async () => {
    const { hostile, guarded } = await runHostile('timer', 30_000);
    expect(failureLines([hostile])).toEqual([]);
    expect(hostile.status).toBe('passed');
    expectGuardedHeld(guarded);
  });

  it('requests to hosts outside the world are refused, recorded with the case, and named in its error', async () => {
    const { hostile, guarded } = await runHostile('egress', 6_000);
    const url = 'https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken';
    expect(hostile.status).toBe('error');
    expect(hostile.error?.kind).toBe('timeout');
    expect(hostile.error?.message).toContain(`to hosts outside the world, all refused; first: GET ${url}`);
    expect(hostile.egress?.[0]).toMatchObject({ method: 'GET', url });
    expect(hostile.egress?.[0]?.count).toBeGreaterThan(1);
    expect(hostile.transcript?.egress?.[0]).toMatchObject({ method: 'GET', url });
    expectGuardedHeld(guarded);
    expect(guarded.egress).toBeUndefined();
  });
});

// The CLI runs from dist: `npm test` builds first.
describe('the CLI with a module agent that leaves a timer running', () => {
  it('writes its reports and exits by itself', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ac-hostile-cli-'));
    dirs.push(dir);
    const config = join(dir, 'agent-chaos.config.yaml');
    const reference = readFileSync(REFERENCE_CONFIG, 'utf8')
      .replace(/^ {2}command: .*$/m, '')
      .replace(
        /^ {2}module: .*$/m,
        `  module: ${join(FIXTURE_AGENTS, 'hostile-half-module.js')}\n  env: { HOSTILE: timer, HOSTILE_WHEN: Checkout }`,
      );
    writeFileSync(config, reference);
    const started = Date.now();
    const cli = await execa(
      'node',
      [
        join(ROOT, 'bin/agent-chaos.js'),
        'run',
        '--config',
        config,
        '--case',
        HOSTILE_CASE,
        GUARDED_CASE,
        '--concurrency',
        '2',
        // Two cases of six packs are PARTIAL by the verdict's rule: accepted, so 0 means nothing broke.
        '--allow-partial',
        '--json',
        join(dir, 'results.json'),
        '--junit',
        join(dir, 'junit.xml'),
        '--report',
        join(dir, 'report.md'),
      ],
      // Bounded: a CLI held open by the agent's timer would be killed here and fail the test.
      { cwd: dir, reject: false, timeout: 150_000, env: { NO_COLOR: '1' } },
    );
    expect(cli.timedOut).toBe(false);
    expect(cli.exitCode, cli.stderr).toBe(0);
    expect(Date.now() - started).toBeLessThan(150_000);
    const results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as { cases: CaseResult[] };
    expect(results.cases.map((c) => [c.id, c.status]).sort()).toEqual(
      [
        [HOSTILE_CASE, 'passed'],
        [GUARDED_CASE, 'passed'],
      ].sort(),
    );
  });
});
