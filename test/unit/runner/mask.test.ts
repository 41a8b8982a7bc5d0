import { describe, expect, it } from 'vitest';
import { makeCanaries, maskedCanary } from '../../../src/adversary/canaries.js';
import type { CaseSpec } from '../../../src/runner/case.js';
import { HOST_PLACEHOLDER, maskResult, URL_PLACEHOLDER } from '../../../src/runner/mask.js';
import type { CaseResult } from '../../../src/runner/results.js';

const [key] = makeCanaries(3, ['github_token']);
if (!key) throw new Error('no canary');
const spec = { security: { canaries: [key] } } as unknown as CaseSpec;
const plain = {} as CaseSpec;

function result(transcript: unknown, stderrTail = ''): CaseResult {
  return {
    index: 0,
    id: 'x/y',
    title: 't',
    pack: 'security',
    controls: ['security.no-leak'],
    seed: 1,
    status: 'passed',
    findings: [],
    replay: 'npx agent-chaos run --only x/y --seed 1',
    adapter: 'process',
    agent: { exitCode: 0, signal: null, timedOut: false, stdoutTail: '', stderrTail },
    startedAt: '2026-01-01T00:00:00.000Z',
    durationMs: 5,
    transcript: { trigger: {}, ledger: transcript as unknown[], audit: [] },
  };
}

function deep(levels: number, inner: unknown): unknown {
  let value = inner;
  for (let i = 0; i < levels; i++) value = { next: value };
  return value;
}

describe('maskResult', () => {
  it('masks canaries nested deeper than 200 levels in the transcript', () => {
    const masked = JSON.stringify(maskResult(result([deep(199, { body: key.value })]), spec));
    expect(masked).not.toContain(key.value);
    expect(masked).toContain(maskedCanary(key));
  });

  it('replaces the case base URL and the host address by placeholders, at any level of escaping', () => {
    const origin = 'http://127.0.0.1:41234';
    const baseUrl = `${origin}/run/7`;
    const ledger = [
      { path: '/tools/read', note: `POST ${baseUrl}/tools/read` },
      { raw: JSON.stringify({ url: `${baseUrl}/v1`, neighbour: `${origin}/run/71/tools/x` }) },
      { error: 'connect ECONNREFUSED 127.0.0.1:41234', other: 'http://127.0.0.1:412345/', local: 'localhost:41234' },
    ];
    const masked = maskResult(result(ledger, `fetch ${baseUrl}/tools failed`), plain, { baseUrls: [baseUrl], origin });
    expect(masked.transcript?.ledger).toEqual([
      { path: '/tools/read', note: `POST ${URL_PLACEHOLDER}/tools/read` },
      { raw: JSON.stringify({ url: `${URL_PLACEHOLDER}/v1`, neighbour: `http://${HOST_PLACEHOLDER}/run/71/tools/x` }) },
      { error: `connect ECONNREFUSED ${HOST_PLACEHOLDER}`, other: 'http://127.0.0.1:412345/', local: HOST_PLACEHOLDER },
    ]);
    expect(masked.agent.stderrTail).toBe(`fetch ${URL_PLACEHOLDER}/tools failed`);
    expect(JSON.stringify(masked)).not.toContain('41234/');
  });

  it('cuts what is nested too deep for any JSON reporter, instead of overflowing the stack', () => {
    const masked = maskResult(result([deep(20_000, { body: key.value })]), spec);
    const json = JSON.stringify(masked);
    expect(json).toContain('nested deeper than 500 levels');
    expect(json).not.toContain(key.value);
  });

  it('leaves a result with nothing to mask or replace as it is', () => {
    const r = result([{ a: 1 }]);
    expect(maskResult(r, plain)).toBe(r);
  });
});
