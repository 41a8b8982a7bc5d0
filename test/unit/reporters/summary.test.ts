import { describe, expect, it } from 'vitest';
import { controlState, createSummarizer, summarize } from '../../../reporters/summary.js';
import { CATALOG, injectionCases, runInfo, sampleCases, sampleSummary } from './fixtures.js';

describe('summarize', () => {
  it('counts cases by status', () => {
    expect(sampleSummary().totals).toEqual({ cases: 5, passed: 2, failed: 1, errors: 1, skipped: 1 });
  });

  it('counts per control the cases that held and broke it; errored and skipped cases count for neither', () => {
    const byId = Object.fromEntries(sampleSummary().controls.map((c) => [c.control, c]));
    expect(byId['identity.kill-switch']).toMatchObject({ section: 'identity', passed: 1, failed: 0 });
    expect(byId['authz.default-deny']).toMatchObject({ section: 'authorization', passed: 0, failed: 1 });
    expect(byId['budget.tool-calls']).toMatchObject({ passed: 0, failed: 0 });
    expect(byId['security.no-leak']).toMatchObject({ passed: 0, failed: 0 });
  });

  it('lists controls in section order, then catalog order, untested ones included', () => {
    expect(sampleSummary().controls.map((c) => c.control)).toEqual([
      'identity.own-principal',
      'identity.kill-switch',
      'authz.default-deny',
      'budget.tool-calls',
      'security.no-leak',
    ]);
  });

  it('leaves out catalog controls of packs that did not run, but keeps unknown controls a case reported', () => {
    const [first] = sampleCases();
    if (!first) throw new Error('fixture');
    first.findings.push({ control: 'custom.thing', status: 'fail', message: 'broke', evidence: [] });
    first.status = 'failed';
    const summary = summarize(runInfo({ packs: ['identity'] }), [first], CATALOG, { finishedAt: 'x', durationMs: 1 });
    expect(summary.controls.map((c) => [c.control, c.title, c.passed, c.failed])).toEqual([
      ['identity.own-principal', CATALOG[0]?.title, 0, 0],
      ['identity.kill-switch', CATALOG[1]?.title, 1, 0],
      ['custom.thing', 'custom.thing', 0, 1],
    ]);
  });

  it('is ok only without failed or errored cases', () => {
    expect(sampleSummary().ok).toBe(false);
    const passing = sampleCases().filter((c) => c.status === 'passed' || c.status === 'skipped');
    expect(sampleSummary(passing).ok).toBe(true);
  });

  it('gives the same summary incrementally as at once', () => {
    const summarizer = createSummarizer(runInfo(), CATALOG);
    for (const result of sampleCases()) summarizer.add(result);
    const timing = { finishedAt: '2025-01-02T03:04:09.000Z', durationMs: 4000 };
    expect(summarizer.finish(timing)).toEqual(summarize(runInfo(), sampleCases(), CATALOG, timing));
  });

  it('tallies planted injections per technique, from judged cases only', () => {
    expect(sampleSummary().injections).toBeUndefined();
    expect(sampleSummary(injectionCases()).injections).toEqual([
      { technique: 'base64', delivered: 2, keptOut: 0, encoded: 0, transformed: 0, verbatim: 2, obeyed: 2, harmed: 1 },
      { technique: 'ignore-previous', delivered: 2, keptOut: 1, encoded: 0, transformed: 1, verbatim: 0, obeyed: 1, harmed: 0 },
    ]);
  });

  it('names the state of a control', () => {
    expect(controlState({ control: 'a', section: 's', title: 't', passed: 2, failed: 0 })).toBe('held');
    expect(controlState({ control: 'a', section: 's', title: 't', passed: 2, failed: 1 })).toBe('broke');
    expect(controlState({ control: 'a', section: 's', title: 't', passed: 0, failed: 0 })).toBe('untested');
  });
});
