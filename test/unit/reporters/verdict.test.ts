import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { consoleReporter } from '../../../reporters/console.js';
import { openReportFile, writeReportFile } from '../../../reporters/file.js';
import { jsonReporter } from '../../../reporters/json.js';
import { junitReporter } from '../../../reporters/junit.js';
import { mergeResults } from '../../../reporters/merge.js';
import { readinessReporter } from '../../../reporters/readiness.js';
import { summarize } from '../../../reporters/summary.js';
import type { Reporter } from '../../../reporters/types.js';
import { verdictLine } from '../../../reporters/verdict.js';
import { runExitCode, verdictExitCode } from '../../../src/cli/run.js';
import type { CaseResult, Interruption, RunInfo, RunSummary } from '../../../src/runner/results.js';
import { CATALOG, captureStream, runInfo, sampleCases, useTempDir } from './fixtures.js';

const tempDir = useTempDir();

const FINISHED = { finishedAt: '2025-01-02T03:04:09.000Z', durationMs: 4000 };

/** One passing case per catalog control: every control of the run's packs exercised and held. */
function coveringCases(): CaseResult[] {
  const [template] = sampleCases();
  if (!template) throw new Error('fixture');
  return CATALOG.map((control, index) => ({
    ...template,
    index,
    id: `${control.section}/case-${index}`,
    pack: control.section as CaseResult['pack'],
    controls: [control.id],
    findings: [{ control: control.id, status: 'pass', message: 'held', evidence: [] }],
  }));
}

function judged(cases: CaseResult[], options: { interrupted?: Interruption; info?: Partial<RunInfo> } = {}): RunSummary {
  const info = runInfo({ plannedCases: cases.length, ...options.info });
  return summarize(info, cases, CATALOG, { ...FINISHED, ...(options.interrupted ? { interrupted: options.interrupted } : {}) });
}

function interruptedCase(result: CaseResult): CaseResult {
  return {
    ...result,
    status: 'error',
    findings: [],
    error: { kind: 'interrupted', message: 'the run was interrupted (SIGINT) while this case ran' },
  };
}

const without = (cases: CaseResult[], id: string) => cases.filter((c) => c.id !== id).map((c, index) => ({ ...c, index }));

describe('verdict', () => {
  it('is READY only when every control of the packs was exercised and held and nothing was skipped', () => {
    const summary = judged(coveringCases());
    expect(summary.verdict).toEqual({
      ok: true,
      label: 'READY',
      reason: '5 controls held in 5 cases',
      uncovered: { controls: [], cases: [], notRun: 0 },
    });
    expect(summary.ok).toBe(true);
    expect(verdictLine(summary)).toBe('READY: 5 controls held in 5 cases (agent support-bot, seed 42)');
  });

  it('is PARTIAL, naming the control, when a control of the packs was never exercised', () => {
    const summary = judged(without(coveringCases(), 'budgets/case-3'));
    expect(summary.verdict.label).toBe('PARTIAL');
    expect(summary.verdict.ok).toBe(false);
    expect(summary.verdict.reason).toBe('4 controls held in 4 cases; not covered: 1 control untested (budget.tool-calls)');
    expect(summary.verdict.uncovered.controls).toEqual(['budget.tool-calls']);
    // Nothing broke: `ok` keeps its meaning, the verdict is the gate.
    expect(summary.ok).toBe(true);
  });

  it('is PARTIAL, naming the case and why, when a case was skipped (even if its control held elsewhere)', () => {
    const cases = coveringCases();
    const extra = { ...(cases[3] as CaseResult), index: 5, id: 'budgets/model-call-loop' };
    const skipped: CaseResult = {
      ...extra,
      status: 'skipped',
      findings: [],
      skipReason: 'the manifest sets no budgets.model_calls_per_run',
    };
    const summary = judged([...cases, skipped]);
    expect(summary.verdict.label).toBe('PARTIAL');
    expect(summary.verdict.reason).toBe('5 controls held in 5 cases; not covered: 1 case skipped (budgets/model-call-loop)');
    expect(summary.verdict.uncovered.cases).toEqual([
      { id: 'budgets/model-call-loop', reason: 'the manifest sets no budgets.model_calls_per_run' },
    ]);
  });

  it('is NOT READY when a control broke or a case errored, whatever else is missing', () => {
    const sample = judged(sampleCases());
    expect(sample.verdict.label).toBe('NOT READY');
    expect(sample.verdict.reason).toBe('1 control broke (authz.default-deny); 1 case errored');
    expect(sample.verdict.uncovered.controls).toEqual(['budget.tool-calls', 'security.no-leak']);
    const errored = coveringCases();
    errored[0] = { ...(errored[0] as CaseResult), status: 'error', findings: [], error: { kind: 'crash', message: 'exit 1' } };
    expect(judged(errored).verdict).toMatchObject({ label: 'NOT READY', reason: '1 case errored' });
  });

  it('is INCOMPLETE when no case ran', () => {
    const summary = judged([]);
    expect(summary.verdict).toMatchObject({ ok: false, label: 'INCOMPLETE', reason: 'no case was planned' });
    expect(summary.ok).toBe(false);
    expect(judged([], { info: { plannedCases: 3 } }).verdict.reason).toBe('no case ran of 3 planned');
  });

  it('is INCOMPLETE, never READY, when a signal stopped the run before its first case ended', () => {
    const summary = judged([], { interrupted: { signal: 'SIGINT' }, info: { plannedCases: 5 } });
    expect(summary.verdict).toMatchObject({
      ok: false,
      label: 'INCOMPLETE',
      reason: 'interrupted by SIGINT after 0 of 5 cases (5 not run)',
      uncovered: { notRun: 5 },
    });
    expect(summary.interrupted).toEqual({ signal: 'SIGINT' });
    expect(summary.ok).toBe(false);
  });

  it('counts a case the interruption stopped as not judged, not as an error of the agent', () => {
    const cases = coveringCases().slice(0, 3);
    cases[2] = interruptedCase(cases[2] as CaseResult);
    const summary = judged(cases, { interrupted: { signal: 'SIGTERM' }, info: { plannedCases: 5 } });
    expect(summary.verdict.label).toBe('INCOMPLETE');
    expect(summary.verdict.reason).toBe('interrupted by SIGTERM after 2 of 5 cases (1 stopped mid-case, 2 not run)');
    expect(summary.verdict.uncovered.cases.map((c) => c.id)).toEqual(['authorization/case-2']);
    expect(summary.verdict.uncovered.notRun).toBe(2);
  });

  it('stays INCOMPLETE when a control broke before the interruption, and says so', () => {
    const cases = sampleCases().slice(0, 2);
    const summary = judged(cases, { interrupted: { signal: 'SIGINT' }, info: { plannedCases: 5 } });
    expect(summary.verdict.label).toBe('INCOMPLETE');
    expect(summary.verdict.reason).toBe(
      'interrupted by SIGINT after 2 of 5 cases (3 not run); so far 1 control broke (authz.default-deny)',
    );
  });

  it('is INCOMPLETE when planned cases have no result, even without a recorded interruption', () => {
    const summary = judged(coveringCases(), { info: { plannedCases: 7 } });
    expect(summary.verdict).toMatchObject({ label: 'INCOMPLETE', reason: '2 of 7 planned cases have no result' });
  });

  it('judges a shard on the controls its own cases target; `report merge` judges the rest', () => {
    const shard = judged(coveringCases().slice(0, 2), { info: { shard: { index: 1, total: 3 } } });
    expect(shard.verdict).toMatchObject({ label: 'READY', reason: '2 controls held in 2 cases (shard 1/3 only)' });
    const whole = judged(coveringCases().slice(0, 2));
    expect(whole.verdict.label).toBe('PARTIAL');
  });
});

describe('exit codes', () => {
  const of = (label: RunSummary['verdict']['label']) => ({ label });
  it('are 0 READY, 1 NOT READY, 3 PARTIAL or INCOMPLETE; --allow-partial accepts only PARTIAL', () => {
    expect([of('READY'), of('NOT READY'), of('PARTIAL'), of('INCOMPLETE')].map((v) => verdictExitCode(v))).toEqual([0, 1, 3, 3]);
    expect(verdictExitCode(of('PARTIAL'), true)).toBe(0);
    expect(verdictExitCode(of('INCOMPLETE'), true)).toBe(3);
  });

  it('are 128 + the signal for a run a signal interrupted (130 SIGINT, 143 SIGTERM)', () => {
    const stopped = (signal: string) => judged([], { interrupted: { signal }, info: { plannedCases: 2 } });
    expect(runExitCode(stopped('SIGINT'))).toBe(130);
    expect(runExitCode(stopped('SIGTERM'))).toBe(143);
    expect(runExitCode(stopped('SIGINT'), true)).toBe(130);
    // Stopped programmatically (no signal): INCOMPLETE's own code.
    expect(runExitCode(stopped('abort'))).toBe(3);
    expect(runExitCode(judged(coveringCases()))).toBe(0);
  });
});

async function driveSummary(reporter: Reporter, cases: CaseResult[], summary: RunSummary): Promise<void> {
  await reporter.onRunStart?.(summary.info);
  for (const result of cases) await reporter.onCaseEnd?.(result);
  await reporter.onRunEnd?.(summary);
}

describe('the verdict in every report', () => {
  const stoppedRun = () => {
    const cases = [coveringCases()[0] as CaseResult, interruptedCase(coveringCases()[1] as CaseResult)];
    return { cases, summary: judged(cases, { interrupted: { signal: 'SIGINT' }, info: { plannedCases: 5 } }) };
  };

  it('JSON: summary.verdict with label, reason and what was not covered, and summary.interrupted', async () => {
    const { cases, summary } = stoppedRun();
    const file = join(tempDir(), 'results.json');
    await driveSummary(jsonReporter({ file }), cases, summary);
    const doc = JSON.parse(readFileSync(file, 'utf8'));
    expect(doc.summary.interrupted).toEqual({ signal: 'SIGINT' });
    expect(doc.summary.ok).toBe(false);
    expect(doc.summary.verdict).toMatchObject({ label: 'INCOMPLETE', ok: false, uncovered: { notRun: 3 } });
    expect(doc.summary.verdict.uncovered.controls).toEqual([
      'identity.kill-switch',
      'authz.default-deny',
      'budget.tool-calls',
      'security.no-leak',
    ]);
    expect(doc.cases[1].error.kind).toBe('interrupted');
  });

  it('JUnit: a verdict property on every suite, and an agent-chaos.run suite that says why it is not READY', async () => {
    const { cases, summary } = stoppedRun();
    const file = join(tempDir(), 'junit.xml');
    await driveSummary(junitReporter({ file }), cases, summary);
    const xml = readFileSync(file, 'utf8');
    expect(xml.match(/<property name="verdict" value="INCOMPLETE"\/>/g)).toHaveLength(2);
    expect(xml).toContain('<property name="interrupted" value="SIGINT"/>');
    expect(xml).toMatch(/<testsuite name="agent-chaos.run"[\s\S]*<testcase classname="agent-chaos.run" name="verdict: INCOMPLETE"/);
    expect(xml).toContain(
      '<error message="INCOMPLETE: interrupted by SIGINT after 1 of 5 cases (1 stopped mid-case, 3 not run)" type="incomplete">',
    );
    expect(xml).toContain('untested control: budget.tool-calls');
    expect(xml).toContain('<error message="the run was interrupted (SIGINT) while this case ran" type="interrupted">');

    const partial = judged(without(coveringCases(), 'budgets/case-3'));
    await driveSummary(junitReporter({ file }), [], partial);
    const partialXml = readFileSync(file, 'utf8');
    expect(partialXml).toMatch(/<testcase classname="agent-chaos.run" name="verdict: PARTIAL"[^>]*>[\s\S]*<skipped message="PARTIAL: /);
    expect(partialXml).toContain('<property name="untested_control" value="budget.tool-calls"/>');

    const ready = judged(coveringCases());
    await driveSummary(junitReporter({ file }), coveringCases(), ready);
    const readyXml = readFileSync(file, 'utf8');
    expect(readyXml).not.toContain('agent-chaos.run');
    expect(readyXml).toContain('<property name="verdict" value="READY"/>');
  });

  it('readiness report: the label, the interruption, and every control and case not covered', async () => {
    const { cases, summary } = stoppedRun();
    const file = join(tempDir(), 'readiness.md');
    await driveSummary(readinessReporter({ file }), cases, summary);
    const md = readFileSync(file, 'utf8');
    expect(md).toContain('**INCOMPLETE** — interrupted by SIGINT after 1 of 5 cases');
    expect(md).toContain('| Interrupted | by SIGINT |');
    expect(md).toContain('## Not covered');
    expect(md).toContain('| `budget.tool-calls` | budgets | The tool-call cap holds |');
    expect(md).toContain('| `identity/case-1` | the run was interrupted (SIGINT) while this case ran |');
    expect(md).toContain('3 planned cases did not run.');
    expect(md).not.toContain('**READY**');
  });

  it('console: the verdict line last, and every untested control of a PARTIAL run', async () => {
    const capture = captureStream();
    const partial = judged(without(coveringCases(), 'budgets/case-3'));
    await driveSummary(consoleReporter({ stream: capture.stream }), [], partial);
    const lines = capture.text().trimEnd().split('\n');
    expect(lines.at(-2)).toBe('Untested controls: budget.tool-calls');
    expect(lines.at(-1)).toMatch(/^PARTIAL: 4 controls held in 4 cases; not covered: 1 control untested \(budget.tool-calls\)/);
  });
});

describe('report merge keeps the verdict', () => {
  async function shardFile(index: number, total: number, cases: CaseResult[], interrupted?: Interruption): Promise<string> {
    const info = runInfo({ shard: { index, total }, plannedCases: cases.length });
    const summary = summarize(info, cases, CATALOG, { ...FINISHED, ...(interrupted ? { interrupted } : {}) });
    const file = join(tempDir(), `shard-${index}.json`);
    await driveSummary(jsonReporter({ file }), cases, summary);
    return file;
  }
  const split = (cases: CaseResult[]) => [cases.filter((c) => c.index % 2 === 0), cases.filter((c) => c.index % 2 === 1)];

  it('two READY shards that cover every control between them merge READY', async () => {
    const [a = [], b = []] = split(coveringCases());
    const merged = mergeResults([await shardFile(1, 2, a), await shardFile(2, 2, b)]);
    expect(merged.summary.verdict.label).toBe('READY');
  });

  it('a shard interrupted (even before its first case ended) makes the merge INCOMPLETE', async () => {
    const [a = []] = split(coveringCases());
    const stopped = join(tempDir(), 'stopped.json');
    const info = runInfo({ shard: { index: 2, total: 2 }, plannedCases: 2 });
    await driveSummary(
      jsonReporter({ file: stopped }),
      [],
      summarize(info, [], CATALOG, { ...FINISHED, interrupted: { signal: 'SIGINT' } }),
    );
    const merged = mergeResults([await shardFile(1, 2, a), stopped]);
    expect(merged.summary.verdict.label).toBe('INCOMPLETE');
    expect(merged.summary.interrupted).toEqual({ signal: 'SIGINT', shard: '2/2' });
    expect(merged.summary.verdict.reason).toBe('interrupted by SIGINT in shard 2/2 after 3 of 5 cases (2 not run)');
    // The merge itself was not interrupted: INCOMPLETE's code, not a signal's.
    expect(verdictExitCode(merged.summary.verdict)).toBe(3);
  });

  it('a control no shard exercised makes the merge PARTIAL although each shard was READY', async () => {
    const [a = [], b = []] = split(without(coveringCases(), 'budgets/case-3'));
    const files = [await shardFile(1, 2, a), await shardFile(2, 2, b)];
    for (const file of files) expect(JSON.parse(readFileSync(file, 'utf8')).summary.verdict.label).toBe('READY');
    const merged = mergeResults(files);
    expect(merged.summary.verdict).toMatchObject({ label: 'PARTIAL', uncovered: { controls: ['budget.tool-calls'] } });
  });
});

describe('report files', () => {
  it('are never seen half-written: a streamed file replaces the old one only when closed', async () => {
    const file = join(tempDir(), 'out', 'results.json');
    await writeReportFile(file, '{"old": true}\n');
    const stream = await openReportFile(file);
    await stream.write('{"new": ');
    expect(readFileSync(file, 'utf8')).toBe('{"old": true}\n');
    await stream.write('true}\n');
    await stream.close();
    expect(readFileSync(file, 'utf8')).toBe('{"new": true}\n');
    expect(readdirSync(join(tempDir(), 'out'))).toEqual(['results.json']);
  });

  it('written whole, leave no temporary file behind, and a failed write leaves the old file', async () => {
    const dir = join(tempDir(), 'whole');
    const file = join(dir, 'junit.xml');
    await writeReportFile(file, '<a/>');
    await writeReportFile(file, '<b/>');
    expect(readFileSync(file, 'utf8')).toBe('<b/>');
    expect(readdirSync(dir)).toEqual(['junit.xml']);
    const blocker = join(tempDir(), 'blocker');
    writeFileSync(blocker, 'a file, not a folder');
    await expect(writeReportFile(join(blocker, 'x.xml'), '<c/>')).rejects.toThrow();
    expect(existsSync(join(blocker, 'x.xml'))).toBe(false);
  });
});
