import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/agent-chaos.js');
const tmp = mkdtempSync(join(tmpdir(), 'ac-replay-'));
const results = join(tmp, 'results.json');
const naive = join(tmp, 'naive.json');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const cli = (args: string[]) => execa('node', [BIN, ...args], { cwd: ROOT, reject: false, env: { NO_COLOR: '1' } });
const reports = (json: string) => ['--json', json, '--junit', join(tmp, 'j.xml'), '--report', join(tmp, 'r.md')];

beforeAll(async () => {
  const ran = await cli([
    'run',
    '--config',
    'examples/reference-agent/agent-chaos.config.yaml',
    '--case',
    'audit/replay-triage',
    'audit/escalation-trail',
    ...reports(results),
  ]);
  // Two cases of six packs held: PARTIAL (exit 3), never READY on what was not run.
  expect(ran.exitCode).toBe(3);
  const failed = await cli([
    'run',
    '--config',
    'examples/naive-agent/agent-chaos.config.yaml',
    '--case',
    'audit/run-with-denial',
    ...reports(naive),
  ]);
  expect(failed.exitCode).toBe(1);
}, 60_000);

describe('agent-chaos replay', () => {
  it("prints one run's chain: trigger, model turns, tool calls and decisions, approvals, the end", async () => {
    const r = await cli(['replay', results, '--case', 'audit/replay-triage']);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toBe('');
    const kinds = r.stdout
      .split('\n')
      .map((l) => /^\s+\+\d+ms\s+(\S+)/.exec(l)?.[1])
      .filter(Boolean);
    expect(kinds[0]).toBe('trigger');
    expect(kinds).toEqual(expect.arrayContaining(['start', 'model', 'tool', 'denied', 'approval', 'end']));
    expect(kinds.at(-1)).toBe('end');
    expect(r.stdout).toMatch(/approval\s+apr_1 approved by support-oncall\s+\[ledger#\d+ audit:\d+\]/);
    expect(r.stdout).toMatch(/denied\s+\w+\(call_\w+\) by rule forbidden/);
    expect(r.stdout).toMatch(/replay: .*--case audit\/replay-triage/);
    expect(r.stdout).toMatch(/✓ audit.replay: rebuilt from the audit alone/);
  });

  it('shows the budget stop and the escalation', async () => {
    const r = await cli(['replay', results, '--case', 'audit/escalation-trail']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/budget\s+\w+ exceeded/);
    expect(r.stdout).toMatch(/escalation\s+budget: .*\[ledger#\d+ audit:\d+\]/);
    expect(r.stdout).toMatch(/end\s+stopped/);
  });

  it('without --case shows the first failed case, with its failures', async () => {
    const r = await cli(['replay', naive]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^audit\/run-with-denial — /);
    expect(r.stdout).toMatch(/✗ authz.forbidden: .* reached its backend with no approval/);
  });

  it('exits 2 with a clear message for a missing file, an unknown case, or no file at all', async () => {
    const missing = await cli(['replay', join(tmp, 'nope.json')]);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toMatch(/nope.json: no such file/);
    const unknown = await cli(['replay', results, '--case', 'audit/nope']);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toMatch(
      /no case "audit\/nope" in .*results.json \(2 cases; e.g. audit\/escalation-trail, audit\/replay-triage\)/,
    );
    const none = await cli(['replay']);
    expect(none.exitCode).toBe(2);
    expect(none.stderr).toMatch(/replay needs the JSON results of a run/);
  });
});
