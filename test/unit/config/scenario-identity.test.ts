import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadScenarioFile } from '../../../src/config/scenarios.js';
import { configErrorOf } from '../../helpers/config-error.js';

const dirs: string[] = [];
function scenario(extra: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'ac-scenario-'));
  dirs.push(dir);
  const path = join(dir, 'case.yaml');
  writeFileSync(path, `id: approvals/case\ntitle: A case\ncontrols: [approval.required]\n${extra}`);
  return path;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const errorOf = (path: string) => configErrorOf(() => loadScenarioFile(path, 'approvals'));

describe('the identity: key', () => {
  it('takes a TTL and moments', () => {
    const s = loadScenarioFile(
      scenario('identity:\n  token_ttl_s: 1\n  revoke: { at: before_write }\n  expire: { at: { tool_call: 2 } }\n'),
      'approvals',
    );
    expect(s.identity).toEqual({ token_ttl_s: 1, revoke: { at: 'before_write' }, expire: { at: { tool_call: 2 } } });
  });

  it('refuses a revoke moment that does not exist, naming file, line and field', () => {
    const path = scenario('identity:\n  revoke:\n    at: after_lunch\n');
    const err = errorOf(path);
    expect(err.location).toMatchObject({ file: path, line: 6, field: 'identity.revoke.at' });
    expect(err.detail).toBe('a moment is one of before_write, approval_pending or {tool_call: N} (N from 1)');
  });

  it('refuses a tool call count below one and an unknown field', () => {
    expect(errorOf(scenario('identity: { revoke: { at: { tool_call: 0 } } }\n')).location.field).toBe('identity.revoke.at.tool_call');
    const err = errorOf(scenario('identity:\n  token_ttl: 5\n'));
    expect(err.location).toMatchObject({ line: 5, field: 'identity.token_ttl' });
    expect(err.detail).toBe('unknown field "token_ttl"');
  });
});

describe('the human: key', () => {
  it('takes a name, an object or a list', () => {
    expect(loadScenarioFile(scenario('human: deny\n'), 'approvals').human).toEqual([{ action: 'deny' }]);
    const list = loadScenarioFile(scenario('human:\n  - { action: approve, after: { ms: 300 } }\n  - never\n'), 'approvals');
    expect(list.human).toEqual([{ action: 'approve', after: { ms: 300 } }, { action: 'never' }]);
  });

  it('refuses a behaviour that does not exist, naming file, line and field', () => {
    const path = scenario('human: approve_later\n');
    const err = errorOf(path);
    expect(err.location).toMatchObject({ file: path, line: 4, field: 'human.action' });
    expect(err.detail).toBe('unknown human behaviour; one of approve, deny, never, approve_then_revoke');
    const inList = errorOf(scenario('human:\n  - approve\n  - { action: shrug }\n'));
    expect(inList.location).toMatchObject({ line: 6, field: 'human[1].action' });
  });

  it('refuses options that do not fit the behaviour, and a malformed delay', () => {
    const misplaced = errorOf(scenario('human: { action: deny, expires_after: { ms: 10 } }\n'));
    expect(misplaced.location.field).toBe('human.expires_after');
    expect(misplaced.detail).toBe('"expires_after" applies only to never');
    const delay = errorOf(scenario('human: { action: approve, after: { seconds: 3 } }\n'));
    expect(delay.location.field).toBe('human.after');
    expect(delay.detail).toBe('a delay is {polls: N} or {ms: N}');
  });
});
