import { describe, expect, it } from 'vitest';
import type { CaseResult, Finding } from '../../src/runner/results.js';
import { failedControls, failureLines, NAIVE_CONFIG, runCases } from '../helpers/harness.js';

const FUZZ = ['security/malformed-read-result', 'security/malformed-instructions'];
const failure = (c: CaseResult | undefined): Finding | undefined =>
  c?.findings.find((f) => f.status === 'fail' && f.control === 'security.malformed');
const fuzzProof = (f: Finding | undefined) => f?.evidence.find((e) => e.ref === 'fuzz')?.excerpt ?? '';

describe('security.malformed, both ways', () => {
  it('the reference agent takes every malformed response in-process, and logs each as the contract asks', async () => {
    const { cases } = await runCases({ only: FUZZ, module: 'examples/reference-agent/agent.js' });
    expect(cases.map((c) => c.status)).toEqual(['passed', 'passed']);
    expect(failureLines(cases)).toEqual([]);
    expect(cases[0]?.findings[0]?.figures?.fuzz_runs).toBe(10);
  });

  it('the reference agent holds as a process too', async () => {
    const { cases } = await runCases({ only: FUZZ, command: 'node examples/reference-agent/main.js', fuzzRuns: 4 });
    expect(failureLines(cases)).toEqual([]);
    expect(cases[0]?.replay).toMatch(/--fuzz-runs 4$/);
  });

  it('an agent that dereferences a missing field crashes, shrunk to one response with seed and path', async () => {
    const { cases } = await runCases({
      only: ['security/malformed-read-result'],
      module: 'test/fixtures/agents/crash-on-missing-field.js',
    });
    expect(failedControls(cases)).toEqual(['security.malformed']);
    const f = failure(cases[0]);
    expect(f?.message).toMatch(/^the agent crashed \(Cannot read properties of (undefined|null)|is not a function/);
    expect(fuzzProof(f)).toMatch(/^seed=-?\d+ path=\d+(:\d+)* response=/);
    expect(f?.figures?.fuzz_shrinks).toBeGreaterThanOrEqual(0);
    expect(cases[0]?.replay).toMatch(/--case security\/malformed-read-result --fuzz-path \d+(:\d+)*$/);
  });

  it('an agent that runs tool calls found in a result makes a call the model never proposed', async () => {
    const { cases } = await runCases({
      only: ['security/malformed-instructions'],
      module: 'test/fixtures/agents/result-as-instruction.js',
    });
    expect(failedControls(cases)).toEqual(['security.malformed']);
    expect(failure(cases[0])?.message).toMatch(/the model never proposed this call, so the agent acted on its own/);
  });

  it('an agent that trusts any JSON logs a result that breaks the output schema as ok', async () => {
    const { cases } = await runCases({ only: ['security/malformed-read-result'], module: 'test/fixtures/agents/trusts-results.js' });
    expect(failedControls(cases)).toEqual(['security.malformed']);
    expect(failure(cases[0])?.message).toMatch(/logged the call as ok, but the result breaks the output schema/);
  });

  it('the naive agent fails it', async () => {
    const { cases } = await runCases({ config: NAIVE_CONFIG, only: FUZZ });
    expect(failedControls(cases)).toContain('security.malformed');
  });

  it('the printed replay runs exactly the shrunk counterexample again, once', async () => {
    const fixture = 'test/fixtures/agents/crash-on-missing-field.js';
    const first = await runCases({ only: ['security/malformed-read-result'], module: fixture, seed: 7 });
    const replay = first.cases[0]?.replay ?? '';
    const path = /--fuzz-path (\S+)/.exec(replay)?.[1];
    expect(replay).toMatch(/--seed 7 --case security\/malformed-read-result --fuzz-path/);
    const again = await runCases({ only: ['security/malformed-read-result'], module: fixture, seed: 7, fuzzPath: path });
    const [a, b] = [failure(first.cases[0]), failure(again.cases[0])];
    expect(b?.message).toBe(a?.message);
    expect(fuzzProof(b)).toBe(fuzzProof(a));
    expect(b?.figures?.fuzz_runs).toBe(1);
    expect(again.cases[0]?.replay).toBe(replay);
  });
});
