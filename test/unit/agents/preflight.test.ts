import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { commandProblem } from '../../../src/agents/preflight.js';
import { main } from '../../../src/cli/main.js';
import { REFERENCE_CONFIG, ROOT } from '../../helpers/harness.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ac-preflight-'));
  dirs.push(dir);
  return dir;
}

async function cli(argv: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (c) => {
    stdout += c;
  });
  err.on('data', (c) => {
    stderr += c;
  });
  const code = await main(argv, { stdout: out, stderr: err, cwd });
  return { code, stdout, stderr };
}

/** The reference manifest with another agent command, in a temp folder. */
function configWithCommand(command: string): { dir: string; file: string } {
  const dir = tempDir();
  const file = join(dir, 'agent-chaos.config.yaml');
  writeFileSync(file, readFileSync(REFERENCE_CONFIG, 'utf8').replace(/^ {2}command: .*$/m, `  command: ${command}`));
  return { dir, file };
}

describe('the agent command, checked before the first case', () => {
  it('finds commands on PATH and files that exist and run', () => {
    const dir = tempDir();
    expect(commandProblem('node agent.js', dir, process.env.PATH ?? '')).toBeUndefined();
    writeFileSync(join(dir, 'agent.sh'), '#!/bin/sh\n');
    chmodSync(join(dir, 'agent.sh'), 0o755);
    expect(commandProblem('./agent.sh --flag', dir, '')).toBeUndefined();
  });

  it('names what is wrong: not on PATH, no such file, not executable', () => {
    const dir = tempDir();
    expect(commandProblem('definitely-not-a-command-xyz run', dir, process.env.PATH ?? '')).toMatch(
      /"definitely-not-a-command-xyz" was not found on PATH/,
    );
    expect(commandProblem('./missing.sh', dir, '')).toBe(
      `the agent command "./missing.sh" does not exist (looked for ${join(dir, 'missing.sh')})`,
    );
    writeFileSync(join(dir, 'plain.sh'), '#!/bin/sh\n');
    chmodSync(join(dir, 'plain.sh'), 0o644);
    expect(commandProblem('./plain.sh', dir, '')).toMatch(/is not an executable file/);
  });

  it('run: exit 2 with the manifest line and field, before any case or report', async () => {
    const { file } = configWithCommand('definitely-not-a-command-xyz --serve');
    const result = await cli(['run', '--config', file, '--case', 'authz/forbidden-direct'], ROOT);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /agent-chaos\.config\.yaml:7:\d+: agent\.command: the agent command "definitely-not-a-command-xyz" was not found on PATH/,
    );
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stdout).not.toContain('authz/forbidden-direct');
  });

  it('run --agent: exit 2 naming the flag', async () => {
    const result = await cli(
      ['run', '--config', REFERENCE_CONFIG, '--agent', './nope/agent.sh', '--case', 'authz/forbidden-direct'],
      tempDir(),
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--agent: the agent command "\.\/nope\/agent\.sh" does not exist/);
  });

  it('validate: the same check, exit 2', async () => {
    const { file } = configWithCommand('./agent-that-is-not-there.sh');
    const named = await cli(['validate', file], ROOT);
    expect(named.code).toBe(2);
    expect(named.stderr).toMatch(/:7:\d+: agent\.command: the agent command "\.\/agent-that-is-not-there\.sh" does not exist/);
    const implicit = await cli(['validate', '--config', file], ROOT);
    expect(implicit.code).toBe(2);
    expect(implicit.stderr).toContain('agent.command');
  });

  it('validate: a command that starts passes', async () => {
    const { file } = configWithCommand('node examples/reference-agent/main.js');
    expect((await cli(['validate', file], ROOT)).code).toBe(0);
  });
});
