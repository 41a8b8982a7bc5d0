import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { runCases } from '../helpers/harness.js';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/agent-chaos.js');
const REFERENCE = 'examples/reference-agent/agent-chaos.config.yaml';
// Cases whose results carry the world's URLs (external ids, tool results), canaries and approvals.
const CASES = [
  'identity/attribution-rest',
  'approvals/different-action',
  'security/leak-via-tool',
  'authz/forbidden-direct',
  'audit/basic-run',
];
const tmp = mkdtempSync(join(tmpdir(), 'ac-same-seed-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const ISO_TIME = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)/g;
// The agent's own random run ids, which the harness cannot fix.
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
const TIME_KEYS = new Set(['startedAt', 'endedAt', 'durationMs', 'at', 'finishedAt', 'time', 'timestamp']);

/** A report with times, durations and the agent's run ids blanked: all that may differ under one seed. */
function timeless(value: unknown, key = ''): unknown {
  if (TIME_KEYS.has(key) || /(^ms_|_ms$)/.test(key)) return '<time>';
  if (typeof value === 'string') return value.replace(ISO_TIME, '<time>').replace(UUID, '<uuid>');
  if (Array.isArray(value)) return value.map((v) => timeless(v));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, timeless(v, k)]));
  return value;
}

const timelessXml = (xml: string) =>
  xml
    .replace(/ (time|timestamp)="[^"]*"/g, ' $1=""')
    .replace(/(name="figure\.(?:ms_\w+|\w+_ms)" value=)"[^"]*"/g, '$1""')
    .replace(ISO_TIME, '<time>')
    .replace(UUID, '<uuid>');

describe('same seed, same reports', { timeout: 300_000 }, () => {
  it('in-process: two runs differ only in times, durations and the agent run ids, never in the world port', async () => {
    const run = () => runCases({ only: CASES, seed: 11, module: 'examples/reference-agent/agent.js' });
    const [a, b] = [await run(), await run()];
    const text = JSON.stringify(a.cases);
    expect(text).toContain('$AGENT_CHAOS_URL/fake/');
    expect(text).not.toMatch(/127\.0\.0\.1:\d+/);
    expect(timeless(b.cases)).toEqual(timeless(a.cases));
  });

  it('as a process: results.json, JUnit and the readiness report differ only in times, durations and run ids', async () => {
    const reports = async (tag: string) => {
      const flags = ['--junit', join(tmp, `${tag}.xml`), '--json', join(tmp, `${tag}.json`), '--report', join(tmp, `${tag}.md`)];
      const cases = CASES.slice(0, 3).flatMap((c) => ['--case', c]);
      const r = await execa('node', [BIN, 'run', '--config', REFERENCE, ...cases, '--seed', '11', '--allow-partial', ...flags], {
        cwd: ROOT,
        reject: false,
        env: { NO_COLOR: '1' },
      });
      // A few cases of six packs are PARTIAL by the verdict's rule; --allow-partial makes 0 mean "nothing broke".
      expect(r.exitCode).toBe(0);
      const read = (ext: string) => readFileSync(join(tmp, `${tag}.${ext}`), 'utf8');
      return { json: JSON.parse(read('json')) as unknown, xml: read('xml'), md: read('md') };
    };
    const a = await reports('a');
    const b = await reports('b');
    expect(JSON.stringify(a.json)).not.toMatch(/127\.0\.0\.1:\d+/);
    expect(timeless(b.json)).toEqual(timeless(a.json));
    expect(timelessXml(b.xml)).toBe(timelessXml(a.xml));
    expect(timelessXml(b.md).replace(/\d+(\.\d+)? ?(ms|s)\b/g, '<t>')).toBe(timelessXml(a.md).replace(/\d+(\.\d+)? ?(ms|s)\b/g, '<t>'));
  });
});
