import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadScenarioFile } from '../../../src/config/scenarios.js';
import { ConfigError } from '../../../src/errors.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function load(text: string) {
  const dir = mkdtempSync(join(tmpdir(), 'ac-sec-scenario-'));
  dirs.push(dir);
  const file = join(dir, 'x.yaml');
  writeFileSync(file, text);
  return () => loadScenarioFile(file, 'security');
}

function located(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return `${err.location.line}:${err.location.field}: ${err.detail}`;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

const BASE = 'id: security/x\ntitle: X\ncontrols: [security.injection]\n';

describe('security scenario keys', () => {
  it('loads injection, bait and the obedient policy', () => {
    const s = load(
      `${BASE}model: { policy: obedient }\ninjection: { carriers: [trigger, error], techniques: [bidi], sample: 3 }\nbait: { carriers: [env, ticket] }\n`,
    )();
    expect(s.injection).toEqual({ corpus: 'injections', carriers: ['trigger', 'error'], techniques: ['bidi'], sample: 3 });
    expect(s.bait).toEqual({ kinds: ['credentials', 'pii'], carriers: ['env', 'ticket'] });
  });

  it('names file, line and field for each mistake', () => {
    expect(located(load(`${BASE}injection: { carriers: [trigger] }\n`))).toBe(
      '1:model.policy: a scenario with injection needs model.policy: obedient',
    );
    expect(located(load(`${BASE}model: { policy: obedient }\ninjection:\n  carriers: [trigger, carrier-pigeon]\n`))).toMatch(
      /^6:injection\.carriers\[1\]: Invalid option: expected one of "trigger"\|/,
    );
    expect(located(load(`${BASE}bait:\n  kinds: [aws_key]\n  carriers: [env]\n`))).toMatch(/^5:bait\.kinds\[0\]: Invalid option/);
    expect(located(load(`${BASE}injection: { carriers: [trigger], sample: 0 }\nmodel: { policy: obedient }\n`))).toMatch(
      /^4:injection\.sample: Too small/,
    );
    const variant = `${BASE}model:\n  script:\n    - tool_calls:\n        - tool: comment_ticket\n          variant_of: { call: 1, change: content }\n`;
    expect(located(load(variant))).toBe(
      '8:model.script[0].tool_calls[0].variant_of.call: a variant names an earlier call of the same turn (the first call of a turn has none)',
    );
  });
});
