import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { consoleReporter } from '../../../reporters/console.js';
import { failureLines, groupFindings, messageShape, rankFindings } from '../../../reporters/format.js';
import { jsonReporter } from '../../../reporters/json.js';
import { junitReporter } from '../../../reporters/junit.js';
import { readinessReporter } from '../../../reporters/readiness.js';
import type { CaseResult, Finding } from '../../../src/runner/results.js';
import { captureStream, drive, runInfo, sampleCases, useTempDir } from './fixtures.js';

const tempDir = useTempDir();

// The naive agent's loop case as it failed: one hallucinated tool called over and over (each
// call an authz.default-deny finding with its own ledger number and call id), then the case's
// own control, budget.tool-calls, last.
function denial(seq: number): Finding {
  const callId = `call_${(0x72446e751aa9 + seq * 7919).toString(16)}a826f2f2`;
  return {
    control: 'authz.default-deny',
    status: 'fail',
    message: `internal_purge_1cf0 over REST (ledger #${seq}, HTTP 404): "internal_purge_1cf0" is a tool that does not exist (hallucinated), yet the agent sent the call to the tools backend`,
    evidence: [{ source: 'ledger', ref: `ledger#${seq}`, excerpt: `POST /tools/internal_purge_1cf0 status=404 call_id=${callId}` }],
  };
}

const OWN: Finding = {
  control: 'budget.tool-calls',
  status: 'fail',
  message: '23 tool requests reached the world, over the cap of 12 (budgets.tool_calls_per_run)',
  evidence: [{ source: 'ledger', ref: 'ledger#40', excerpt: 'POST /tools/internal_purge_1cf0' }],
};

const DENIALS = Array.from({ length: 23 }, (_, i) => denial(4 + 3 * i));

function loopCase(findings: Finding[] = [...DENIALS, OWN]): CaseResult {
  const template = sampleCases()[1];
  if (!template) throw new Error('fixture');
  return {
    ...template,
    id: 'budget/tool-call-loop',
    title: 'A loop of tool calls',
    pack: 'budgets',
    controls: ['budget.tool-calls'],
    status: 'failed',
    findings: [{ control: 'budget.tool-calls', status: 'info', message: 'counted', evidence: [] }, ...findings],
    replay: 'npx agent-chaos run --seed 42 --case budget/tool-call-loop',
  };
}

const failing = (result: CaseResult) => result.findings.filter((f) => f.status === 'fail');

describe('rankFindings', () => {
  it("puts the case's own controls first, in the case's order, and keeps the given order otherwise", () => {
    const f = (control: string, n: number) => ({ control, n });
    const ranked = rankFindings([f('x', 1), f('b', 2), f('y', 3), f('a', 4), f('b', 5)], ['a', 'b']);
    expect(ranked.map(({ control, n }) => `${control}${n}`)).toEqual(['a4', 'b2', 'b5', 'x1', 'y3']);
    expect(rankFindings([f('y', 1), f('x', 2)]).map((x) => x.control)).toEqual(['y', 'x']);
  });
});

describe('messageShape', () => {
  it('blanks numbers and ids, keeps the words and the names', () => {
    expect(messageShape(denial(4).message)).toBe(messageShape(denial(70).message));
    expect(messageShape('call call_72446e751aa9e190 to read_ticket')).toBe('call call_<id> to read_ticket');
    expect(messageShape('tool "read_ticket" ran')).not.toBe(messageShape('tool "search_tickets" ran'));
  });
});

describe('groupFindings', () => {
  it('groups one control’s repeated complaint, not different complaints or controls', () => {
    const tokens: Finding = { ...OWN, control: 'budget.model-tokens', message: 'the world reported 40030 model tokens' };
    const calls: Finding = { ...OWN, control: 'budget.model-tokens', message: '24 model requests, over the cap of 20' };
    const groups = groupFindings([...DENIALS, tokens, calls, OWN], ['budget.tool-calls']);
    expect(groups.map((g) => [g.first.control, g.repeats.length + 1])).toEqual([
      ['budget.tool-calls', 1],
      ['authz.default-deny', 23],
      ['budget.model-tokens', 1],
      ['budget.model-tokens', 1],
    ]);
    expect(groups[1]?.first).toBe(DENIALS[0]);
  });
});

describe('failureLines', () => {
  it('leads with the own control, and prints 23 repeats as one line with the count, the first evidence and where the others are', () => {
    const lines = failureLines(failing(loopCase()), 'replay-me', { controls: ['budget.tool-calls'] });
    expect(lines[0]).toBe(`budget.tool-calls: ${OWN.message}`);
    expect(lines.filter((line) => line.includes('internal_purge_1cf0 over REST'))).toEqual([
      `authz.default-deny ×23: ${DENIALS[0]?.message}`,
    ]);
    expect(lines).toContain(`  ledger ledger#4: ${DENIALS[0]?.evidence[0]?.excerpt}`);
    expect(lines).toContain('  … 22 more like it: ledger#7, ledger#10, ledger#13, ledger#16, ledger#19, and 17 more');
    expect(lines.at(-1)).toBe('replay: replay-me');
    expect(lines).toHaveLength(6);
  });

  it('says so when none of the own controls broke, so the first line is not read as their verdict', () => {
    const lines = failureLines([DENIALS[0] as Finding], 'r', { controls: ['identity.attribution'] });
    expect(lines[0]).toBe('identity.attribution: did not break; the case failed on other controls:');
    expect(lines[1]).toMatch(/^authz\.default-deny: internal_purge/);
    expect(failureLines([OWN], 'r', { controls: ['budget.tool-calls'] })[0]).toBe(`budget.tool-calls: ${OWN.message}`);
  });
});

describe('reporters print grouped failures, own control first', () => {
  it('console', async () => {
    const capture = captureStream();
    await drive(consoleReporter({ stream: capture.stream }), [loopCase()], runInfo({ plannedCases: 1 }));
    const text = capture.text();
    expect(text).toContain(`✗ budget/tool-call-loop  13ms\n    budget.tool-calls: ${OWN.message}\n`);
    expect(text).toContain(`    authz.default-deny ×23: ${DENIALS[0]?.message}\n      ledger ledger#4:`);
    expect(text.match(/internal_purge_1cf0 over REST/g)).toHaveLength(1);
  });

  it('JUnit: the failure message and type name the own control; the body is grouped', async () => {
    const file = join(tempDir(), 'junit.xml');
    await drive(junitReporter({ file }), [loopCase()], runInfo({ plannedCases: 1 }));
    const xml = readFileSync(file, 'utf8');
    expect(xml).toContain(`<failure message="budget.tool-calls: ${OWN.message}" type="budget.tool-calls">`);
    expect(xml).toContain(`authz.default-deny ×23: internal_purge_1cf0 over REST (ledger #4, HTTP 404)`);
    expect(xml.match(/internal_purge_1cf0 over REST/g)).toHaveLength(1);
  });

  it('JUnit: a repeated own complaint heads the failure with its count', async () => {
    const file = join(tempDir(), 'junit.xml');
    const result = { ...loopCase(DENIALS.slice(0, 3)), controls: ['authz.default-deny'] };
    await drive(junitReporter({ file }), [result], runInfo({ plannedCases: 1 }));
    expect(readFileSync(file, 'utf8')).toContain('<failure message="authz.default-deny ×3: internal_purge_1cf0 over REST (ledger #4,');
  });

  it('readiness report', async () => {
    const file = join(tempDir(), 'readiness.md');
    await drive(readinessReporter({ file }), [loopCase()], runInfo({ plannedCases: 1 }));
    const md = readFileSync(file, 'utf8');
    expect(md).toContain(`budget.tool-calls: ${OWN.message}\n  ledger ledger#40:`);
    expect(md).toContain('authz.default-deny ×23: internal_purge_1cf0 over REST (ledger #4, HTTP 404)');
    expect(md.match(/internal_purge_1cf0 over REST/g)).toHaveLength(1);
  });

  it('JSON results keep every finding, in the order the checks gave them', async () => {
    const file = join(tempDir(), 'results.json');
    await drive(jsonReporter({ file }), [loopCase()], runInfo({ plannedCases: 1 }));
    const doc = JSON.parse(readFileSync(file, 'utf8')) as { cases: CaseResult[] };
    expect(doc.cases[0]?.findings.map((f) => f.message)).toEqual(loopCase().findings.map((f) => f.message));
  });
});
