import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/agent-chaos.js');
const tmp = mkdtempSync(join(tmpdir(), 'ac-fuzz-e2e-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const cli = (args: string[]) => execa('node', [BIN, ...args], { cwd: ROOT, reject: false, env: { NO_COLOR: '1' } });
const reports = (tag: string) => [
  '--junit',
  join(tmp, `${tag}.xml`),
  '--json',
  join(tmp, `${tag}.json`),
  '--report',
  join(tmp, `${tag}.md`),
];
type Finding = { control: string; status: string; message: string; evidence: { ref: string; excerpt: string }[] };
const malformedFailure = (tag: string): Finding | undefined =>
  JSON.parse(readFileSync(join(tmp, `${tag}.json`), 'utf8')).cases[0]?.findings.find(
    (f: Finding) => f.control === 'security.malformed' && f.status === 'fail',
  );

describe('agent-chaos run, fuzz cases', () => {
  it('the printed replay command reproduces the same shrunk failure', async () => {
    // The crash fixture's manifest: the reference agent's, its module swapped for the fixture.
    const config = join(tmp, 'crash.config.yaml');
    const reference = readFileSync(join(ROOT, 'examples/reference-agent/agent-chaos.config.yaml'), 'utf8');
    writeFileSync(
      config,
      reference
        .replace(/^ {2}command: .*$/m, '')
        .replace(/^ {2}module: .*$/m, `  module: ${join(ROOT, 'test/fixtures/agents/crash-on-missing-field.js')}`),
    );
    const first = await cli(['run', '--config', config, '--case', 'security/malformed-read-result', '--seed', '5', ...reports('first')]);
    expect(first.exitCode).toBe(1);
    const results = JSON.parse(readFileSync(join(tmp, 'first.json'), 'utf8'));
    const replay: string = results.cases[0].replay;
    expect(replay).toMatch(/^npx agent-chaos run --config \S+ --seed 5 --case security\/malformed-read-result --fuzz-path \d+(:\d+)*$/);
    expect(first.stdout).toContain(`replay: ${replay}`);

    const again = await cli([...replay.replace(/^npx agent-chaos /, '').split(' '), ...reports('again')]);
    expect(again.exitCode).toBe(1);
    const [a, b] = [malformedFailure('first'), malformedFailure('again')];
    expect(a?.message).toMatch(/^the agent crashed/);
    expect(b?.message).toBe(a?.message);
    expect(b?.evidence.find((e) => e.ref === 'fuzz')?.excerpt).toBe(a?.evidence.find((e) => e.ref === 'fuzz')?.excerpt);

    // `replay --case --seed --path` runs the same counterexample (its reports land in the cwd's reports/).
    const path = /--fuzz-path (\S+)$/.exec(replay)?.[1] ?? '';
    const viaReplay = await execa(
      'node',
      [BIN, 'replay', '--config', config, '--case', 'security/malformed-read-result', '--seed', '5', '--path', path],
      {
        cwd: tmp,
        reject: false,
        env: { NO_COLOR: '1' },
      },
    );
    expect(viaReplay.exitCode).toBe(1);
    const replayed = JSON.parse(readFileSync(join(tmp, 'reports/results.json'), 'utf8')).cases[0]?.findings.find(
      (f: Finding) => f.control === 'security.malformed' && f.status === 'fail',
    );
    expect(replayed?.message).toBe(a?.message);
  });

  it('refuses --fuzz-path without one fuzz case, and a path that is not one', async () => {
    const all = await cli(['run', '--fuzz-path', '1:0', ...reports('usage')]);
    expect(all.exitCode).toBe(2);
    expect(all.stderr).toMatch(/--fuzz-path replays one fuzz case: name it with --case ID/);
    const bad = await cli(['run', '--case', 'security/malformed-read-result', '--fuzz-path', 'abc', ...reports('usage')]);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/expected a fast-check path/);
  });
});
