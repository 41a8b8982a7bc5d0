import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Reporter } from '../../../reporters/types.js';
import { loadManifest } from '../../../src/config/manifest-file.js';
import { RunInterrupted } from '../../../src/runner/interrupt.js';
import type { CaseResult, RunSummary } from '../../../src/runner/results.js';
import { runSuite } from '../../../src/runner/run.js';
import { FIXTURE_AGENTS, REFERENCE_CONFIG, ROOT } from '../../helpers/harness.js';

const CASE_TIMEOUT_MS = 60_000;

async function until(condition: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Runs one case of the reference manifest with `module` in-process, stopped through `stop`. */
async function run(
  module: string,
  stop: { signal?: AbortSignal; hurry?: AbortSignal },
  extra: Reporter = { name: 'none' },
  env: Record<string, string> = {},
): Promise<{ summary: RunSummary; cases: CaseResult[]; ended: RunSummary[] }> {
  const loaded = loadManifest(REFERENCE_CONFIG);
  const agent = { ...loaded.manifest.agent, module: resolve(FIXTURE_AGENTS, module), env: { ...loaded.manifest.agent.env, ...env } };
  const manifest = { ...loaded.manifest, agent };
  const cases: CaseResult[] = [];
  const ended: RunSummary[] = [];
  const summary = await runSuite({
    config: { ...loaded, manifest },
    cwd: ROOT,
    adapter: 'module',
    only: ['authz/forbidden-direct'],
    caseTimeoutMs: CASE_TIMEOUT_MS,
    reporter: {
      name: 'collect',
      onCaseEnd: async (r) => {
        cases.push(r);
        await extra.onCaseEnd?.(r);
      },
      onRunEnd: (s) => void ended.push(s),
    },
    ...stop,
  });
  return { summary, cases, ended };
}

describe('a run stopped from outside', { timeout: 60_000 }, () => {
  it('records a case the stop cut short as interrupted, never judged, and the run as INCOMPLETE', async () => {
    const controller = new AbortController();
    const done = run('hang-module.js', { signal: controller.signal });
    // The hanging agent returns normally once aborted: judging it would invent failures.
    await new Promise((r) => setTimeout(r, 1_000));
    controller.abort(new RunInterrupted('SIGINT'));
    const { summary, cases, ended } = await done;
    expect(cases.map((c) => [c.status, c.error?.kind, c.findings.length])).toEqual([['error', 'interrupted', 0]]);
    expect(summary.interrupted).toEqual({ signal: 'SIGINT' });
    expect(summary.verdict.label).toBe('INCOMPLETE');
    expect(ended).toEqual([summary]);
  });

  it('told to hurry, writes its reports within the bound although an in-process agent ignores its abort', async () => {
    const controller = new AbortController();
    const hurry = new AbortController();
    const started = Date.now();
    const marker = join(mkdtempSync(join(tmpdir(), 'ac-deaf-')), 'started');
    const done = run('deaf-module.js', { signal: controller.signal, hurry: hurry.signal }, undefined, { DEAF_MODULE_MARKER: marker });
    await until(() => existsSync(marker));
    controller.abort(new RunInterrupted('SIGTERM'));
    hurry.abort();
    const { summary, cases, ended } = await done;
    // Far below the case timeout: the run did not wait for the agent.
    expect(Date.now() - started).toBeLessThan(CASE_TIMEOUT_MS / 2);
    expect(summary.interrupted).toEqual({ signal: 'SIGTERM' });
    // The agent's worker thread is stopped within the bound, so its case is recorded as cut short.
    expect(cases.map((c) => [c.status, c.error?.kind])).toEqual([['error', 'interrupted']]);
    expect(summary.verdict).toMatchObject({ label: 'INCOMPLETE', uncovered: { notRun: 0 } });
    expect(ended).toHaveLength(1);
  });

  it('is not interrupted by a stop that comes after the last case ended', async () => {
    const controller = new AbortController();
    const { summary, cases } = await run(
      '../../../examples/reference-agent/agent.js',
      { signal: controller.signal },
      {
        name: 'stop-at-last',
        onCaseEnd: () => controller.abort(new RunInterrupted('SIGINT')),
      },
    );
    expect(cases.map((c) => c.status)).toEqual(['passed']);
    expect(summary.interrupted).toBeUndefined();
    // One case of six packs: honest, but not READY.
    expect(summary.verdict.label).toBe('PARTIAL');
  });
});
