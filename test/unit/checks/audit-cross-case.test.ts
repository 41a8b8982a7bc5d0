import { describe, expect, it } from 'vitest';
import { crossCaseJudge } from '../../../src/checks/index.js';
import type { CaseResult } from '../../../src/runner/results.js';
import { parseAudit } from '../../../src/world/audit-intake.js';
import { ended, started } from './helpers.js';

const result = (id: string, status: CaseResult['status'] = 'passed'): CaseResult => ({
  index: 0,
  id,
  title: id,
  pack: 'audit',
  controls: ['audit.run-id'],
  seed: 1,
  status,
  findings: [{ control: 'audit.run-id', status: 'pass', message: 'one run id', evidence: [] }],
  replay: '',
  adapter: 'module',
  agent: { exitCode: 0, signal: null, timedOut: false, stdoutTail: '', stderrTail: '' },
  startedAt: '',
  durationMs: 1,
});

const auditWith = (runId: string) =>
  parseAudit([started(), ended()].map((l) => JSON.stringify({ ...JSON.parse(l), run_id: runId })).join('\n'));

describe('run ids unique across runs', () => {
  it('fails the later case that reuses a run id, replacing its pass', () => {
    const judge = crossCaseJudge();
    expect(judge(result('a'), auditWith('run_fixed')).status).toBe('passed');
    expect(judge(result('b'), auditWith('run_other')).status).toBe('passed');
    const c = judge(result('c'), auditWith('run_fixed'));
    expect(c.status).toBe('failed');
    expect(c.findings).toEqual([
      {
        control: 'audit.run-id',
        status: 'fail',
        message: 'run id "run_fixed" was already used by case a: every run needs its own run id, or their audits cannot be told apart',
        evidence: [expect.objectContaining({ ref: 'audit:1' })],
      },
    ]);
  });

  it('keeps an errored case errored, and ignores cases without an audit', () => {
    const judge = crossCaseJudge();
    judge(result('a'), auditWith('run_1'));
    expect(judge(result('b', 'error'), auditWith('run_1')).status).toBe('error');
    expect(judge(result('c', 'skipped'), undefined).status).toBe('skipped');
  });

  it('starts afresh for every run', () => {
    crossCaseJudge()(result('a'), auditWith('run_1'));
    expect(crossCaseJudge()(result('b'), auditWith('run_1')).status).toBe('passed');
  });
});
