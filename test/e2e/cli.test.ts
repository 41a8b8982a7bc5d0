import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/agent-chaos.js');
const REFERENCE = 'examples/reference-agent/agent-chaos.config.yaml';
const NAIVE = 'examples/naive-agent/agent-chaos.config.yaml';
const NAIVE_PACKS = ['--pack', 'authorization', '--pack', 'audit'];
const tmp = mkdtempSync(join(tmpdir(), 'ac-e2e-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function cli(args: string[], cwd = ROOT) {
  return execa('node', [BIN, ...args], { cwd, reject: false, env: { NO_COLOR: '1' } });
}
const out = (name: string) => join(tmp, name);
const reportFlags = (tag: string) => ['--junit', out(`${tag}.xml`), '--json', out(`${tag}.json`), '--report', out(`${tag}.md`)];
/** JUnit with the only legitimately varying values (times) blanked. */
// Durations vary run to run: report times, and figures named as durations (ms_to_stop, token_age_ms).
const timeless = (xml: string) =>
  xml.replace(/ (time|timestamp)="[^"]*"/g, ' $1=""').replace(/(name="figure\.(?:ms_\w+|\w+_ms)" value=)"[^"]*"/g, '$1""');

// Whole-suite runs grow with every pack, and CI is a loaded machine.
describe('agent-chaos run', { timeout: 240_000 }, () => {
  it('passes the reference agent: exit 0, every case passed', async () => {
    const r = await cli(['run', '--config', REFERENCE, ...reportFlags('ref')]);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    const results = JSON.parse(readFileSync(out('ref.json'), 'utf8'));
    expect(results.cases.length).toBeGreaterThanOrEqual(8);
    expect(results.cases.filter((c: { status: string }) => c.status !== 'passed')).toEqual([]);
    expect(readFileSync(out('ref.xml'), 'utf8')).toContain('<testsuite name="agent-chaos.authorization"');
  });

  it('fails the naive agent: exit 1, authz failures naming what reached which backend', async () => {
    // The naive agent has no timeouts: in the budgets pack it waits out every hung case.
    const r = await cli(['run', '--config', NAIVE, ...NAIVE_PACKS, ...reportFlags('naive')]);
    expect(r.exitCode).toBe(1);
    const xml = readFileSync(out('naive.xml'), 'utf8');
    for (const control of ['authz.forbidden', 'authz.default-deny', 'authz.read-write']) expect(xml).toContain(`${control}: `);
    expect(xml).toMatch(/reached its backend with no approval/);
    expect(xml).toMatch(/--seed 1 --case authz\//);
  });

  it('gives the same JUnit file for the same seed, byte for byte but for times', async () => {
    await cli(['run', '--config', NAIVE, ...NAIVE_PACKS, '--seed', '42', ...reportFlags('seed-a')]);
    await cli(['run', '--config', NAIVE, ...NAIVE_PACKS, '--seed', '42', '--concurrency', '1', ...reportFlags('seed-b')]);
    const a = readFileSync(out('seed-a.xml'), 'utf8');
    expect(timeless(a)).toBe(timeless(readFileSync(out('seed-b.xml'), 'utf8')));
    await cli(['run', '--config', NAIVE, ...NAIVE_PACKS, '--seed', '43', ...reportFlags('seed-c')]);
    expect(timeless(a)).not.toBe(timeless(readFileSync(out('seed-c.xml'), 'utf8')));
  });

  it('runs the bundled default with no arguments and writes reports/ in the cwd', async () => {
    const cwd = mkdtempSync(join(tmp, 'default-'));
    const r = await cli(['run'], cwd);
    expect(r.exitCode).toBe(0);
    expect(existsSync(join(cwd, 'reports/junit.xml'))).toBe(true);
    expect(existsSync(join(cwd, 'reports/results.json'))).toBe(true);
    expect(r.stderr).toMatch(/running the bundled reference agent/);
  });

  it('drives the reference agent in-process through the module adapter', async () => {
    const r = await cli(['run', '--config', REFERENCE, '--adapter', 'module', ...reportFlags('module')]);
    expect(r.exitCode).toBe(0);
    const results = JSON.parse(readFileSync(out('module.json'), 'utf8'));
    expect(results.info.adapter).toBe('module');
    expect(results.cases.every((c: { status: string }) => c.status === 'passed')).toBe(true);
  });

  it('kills a hung agent at the case timeout and reports an error, leaving no process behind', async () => {
    const pids = out('hang-pids.json');
    const config = out('hang.config.yaml');
    writeFileSync(
      config,
      `agent:\n  id: hang\n  command: node ${join(ROOT, 'test/fixtures/agents/hang.js')}\n  env: { PIDS_FILE: "${pids}" }\ntools:\n  allow: [read_ticket]\n  forbidden: [delete_repo]\n`,
    );
    const r = await cli(['run', '--config', config, '--case', 'authz/forbidden-direct', '--timeout', '1500', ...reportFlags('hang')]);
    expect(r.exitCode).toBe(1);
    const [c] = JSON.parse(readFileSync(out('hang.json'), 'utf8')).cases;
    expect(c.status).toBe('error');
    expect(c.error.kind).toBe('timeout');
    const alive = (JSON.parse(readFileSync(pids, 'utf8')) as number[]).filter((pid) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    });
    expect(alive).toEqual([]);
  });

  it('reports a crashing agent with the tail of its stderr', async () => {
    const r = await cli([
      'run',
      '--config',
      REFERENCE,
      '--agent',
      'node test/fixtures/agents/crash.js',
      '--case',
      'authz/forbidden-direct',
      ...reportFlags('crash'),
    ]);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain('TypeError: Cannot read properties of undefined');
    expect(readFileSync(out('crash.xml'), 'utf8')).toMatch(/<error[^>]*crash[\s\S]*TypeError/);
  });
});

describe('bad input', () => {
  const bad = (name: string, text: string) => {
    const file = out(name);
    writeFileSync(file, text);
    return file;
  };

  it('an unknown field: one line with file, line and field, exit 2, no stack', async () => {
    const file = bad('unknown.config.yaml', 'agent:\n  id: x\n  command: node a.js\n  colour: red\n');
    const r = await cli(['run', '--config', file]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr.trim()).toBe(`agent-chaos: ${file}:4:3: agent.colour: unknown field "colour"`);
  });

  it('a wrong type', async () => {
    const file = bad('type.config.yaml', 'agent:\n  id: x\n  command: node a.js\nbudgets:\n  tool_calls_per_run: lots\n');
    const r = await cli(['run', '--config', file]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`${file}:5:\\d+: budgets.tool_calls_per_run: .*number`));
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('a missing tool', async () => {
    const file = bad('tool.config.yaml', 'agent:\n  id: x\n  command: node a.js\ntools:\n  allow: [read_tickets]\n');
    const r = await cli(['run', '--config', file]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/:5:\d+: tools.allow\[0\]: unknown tool "read_tickets"/);
  });

  it('bad YAML', async () => {
    const file = bad('yaml.config.yaml', 'agent:\n  id: "x\n  command: y\n');
    const r = await cli(['run', '--config', file]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`${file}:\\d+:\\d+: invalid YAML`));
  });

  it('a bad scenario in a user pack, through validate and run', async () => {
    const root = mkdtempSync(join(tmp, 'pack-'));
    const dir = join(root, 'authorization');
    mkdirSync(dir);
    writeFileSync(
      join(dir, 'x.yaml'),
      'id: authz/mine\ntitle: mine\ncontrols: [authz.forbidden]\nmodel:\n  script:\n    - tool_calls:\n        - tool: drop_database\n',
    );
    const v = await cli(['validate', root]);
    expect(v.exitCode).toBe(2);
    expect(v.stderr).toMatch(/x\.yaml:7:\d+: model\.script\[0\]\.tool_calls\[0\]\.tool: unknown tool "drop_database"/);
    const r = await cli(['run', '--config', REFERENCE, '--scenarios', root]);
    expect(r.exitCode).toBe(2);
  });

  it('a bad flag', async () => {
    const r = await cli(['run', '--shard', '3/2']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/--shard/);
  });
});
