import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadManifest } from '../../../src/config/manifest-file.js';
import { loadScenarioFile } from '../../../src/config/scenarios.js';
import { configErrorOf } from '../../helpers/config-error.js';

const dirs: string[] = [];
function file(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'ac-config-'));
  dirs.push(dir);
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const errorOf = configErrorOf;

const MANIFEST = `agent:
  id: bot
  command: node agent.js
tools:
  allow: [search_tickets, comment_ticket]
  write: [comment_ticket]
  forbidden: [delete_repo]
budgets:
  tool_calls_per_run: 5
`;

describe('manifest loading', () => {
  it('loads a valid manifest with defaults', () => {
    const { manifest } = loadManifest(file('agent-chaos.config.yaml', MANIFEST));
    expect(manifest.agent.id).toBe('bot');
    expect(manifest.tools.protected).toEqual([]);
    expect(manifest.budgets.tool_calls_per_run).toBe(5);
  });

  it('names file, line and field for an unknown field', () => {
    const path = file('agent-chaos.config.yaml', MANIFEST.replace('  tool_calls_per_run: 5', '  tool_calls_per_run: 5\n  tool_cals: 3'));
    const err = errorOf(() => loadManifest(path));
    expect(err.location).toMatchObject({ file: path, line: 10, field: 'budgets.tool_cals' });
    expect(err.message).toBe(`${path}:10:3: budgets.tool_cals: unknown field "tool_cals"`);
  });

  it('names the line of a wrong type', () => {
    const err = errorOf(() => loadManifest(file('c.yaml', MANIFEST.replace('tool_calls_per_run: 5', 'tool_calls_per_run: "five"'))));
    expect(err.location).toMatchObject({ line: 9, field: 'budgets.tool_calls_per_run' });
    expect(err.detail).toMatch(/number/);
  });

  it('refuses a tool the world does not know, at its line', () => {
    const err = errorOf(() => loadManifest(file('c.yaml', MANIFEST.replace('forbidden: [delete_repo]', 'forbidden: [drop_db]'))));
    expect(err.location).toMatchObject({ line: 7, field: 'tools.forbidden[0]' });
    expect(err.detail).toMatch(/unknown tool "drop_db"/);
  });

  it('refuses a write tool that is not allowed', () => {
    const err = errorOf(() => loadManifest(file('c.yaml', MANIFEST.replace('write: [comment_ticket]', 'write: [close_ticket]'))));
    expect(err.location.field).toBe('tools.write[0]');
  });

  it('reports bad YAML with its line', () => {
    const err = errorOf(() => loadManifest(file('c.yaml', 'agent:\n  id: [unclosed\n')));
    expect(err.location.line).toBeGreaterThan(0);
    expect(err.detail).toMatch(/invalid YAML/);
  });

  it('reads JSON with line numbers too', () => {
    const json = JSON.stringify({ agent: { id: 'bot', command: 'x', colour: 'red' } }, null, 2);
    const err = errorOf(() => loadManifest(file('agent-chaos.config.json', json)));
    expect(err.location).toMatchObject({ line: 5, field: 'agent.colour' });
  });

  it('says when the file is missing', () => {
    expect(errorOf(() => loadManifest('/nonexistent/agent-chaos.config.yaml')).detail).toBe('file not found');
  });
});

describe('scenario loading', () => {
  const SCENARIO = `id: authz/x
title: X
pack: authorization
controls: [authz.forbidden]
model:
  script:
    - tool_calls:
        - tool: delete_repo
`;
  it('loads a valid scenario', () => {
    const s = loadScenarioFile(file('x.yaml', SCENARIO));
    expect(s.pack).toBe('authorization');
    expect(s.model.script).toHaveLength(1);
  });

  it('refuses an unknown control at its line', () => {
    const err = errorOf(() => loadScenarioFile(file('x.yaml', SCENARIO.replace('authz.forbidden', 'authz.forbiden'))));
    expect(err.location).toMatchObject({ line: 4, field: 'controls[0]' });
  });

  it('refuses a tool the world does not serve, pointing at the call', () => {
    const err = errorOf(() => loadScenarioFile(file('x.yaml', SCENARIO.replace('delete_repo', 'delete_repos'))));
    expect(err.location).toMatchObject({ line: 8, field: 'model.script[0].tool_calls[0].tool' });
  });

  it('refuses an unknown role', () => {
    const err = errorOf(() => loadScenarioFile(file('x.yaml', SCENARIO.replace('delete_repo', '"@forbiden"'))));
    expect(err.detail).toMatch(/unknown tool role/);
  });

  it('refuses a pack that contradicts its folder', () => {
    const err = errorOf(() => loadScenarioFile(file('x.yaml', SCENARIO), 'audit'));
    expect(err.location.field).toBe('pack');
  });

  it('refuses a fuzz kind that does not exist, and a fuzz tool nothing serves, at their lines', () => {
    const fuzz = `${SCENARIO}fuzz:\n  tool: read_ticket\n  kinds: [wrong-type, bad-kind]\n`;
    const kind = errorOf(() => loadScenarioFile(file('x.yaml', fuzz)));
    expect(kind.location).toMatchObject({ line: 11, field: 'fuzz.kinds[1]' });
    const tool = errorOf(() =>
      loadScenarioFile(file('x.yaml', fuzz.replace('tool: read_ticket', 'tool: read_tickets').replace(', bad-kind', ''))),
    );
    expect(tool.location).toMatchObject({ line: 10, field: 'fuzz.tool' });
  });
});
