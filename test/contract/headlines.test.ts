import { describe, expect, it } from 'vitest';
import { failureLines, messageShape } from '../../reporters/format.js';
import type { CaseResult } from '../../src/runner/results.js';
import { NAIVE_CONFIG, runCases } from '../helpers/harness.js';

// Naive-agent cases that led with another control before (a loop case with authz.default-deny,
// approvals with approval.required, budgets with the tool cap) and one whose own control held.
const CASES = [
  'budget/model-call-loop-stops',
  'budget/read-loop-stops',
  'authz/write-where-read-only',
  'approvals/deny',
  'approvals/preview-rest',
  'identity/attribution-rest',
];

const fails = (result: CaseResult) => result.findings.filter((f) => f.status === 'fail');

describe("the naive agent's failures, as the reports print them", () => {
  it("lead with the case's own control, and print each repeated complaint once", async () => {
    const { cases } = await runCases({ config: NAIVE_CONFIG, only: CASES, module: 'examples/naive-agent/agent.js' });
    const failed = cases.filter((c) => c.status === 'failed');
    expect(failed.map((c) => c.id).sort()).toEqual([...CASES].sort());
    for (const result of failed) {
      const lines = failureLines(fails(result), result.replay, { controls: result.controls });
      const ownBroke = fails(result).some((f) => result.controls.includes(f.control));
      const lead = lines[0] ?? '';
      if (ownBroke)
        expect(
          result.controls.some((control) => lead.startsWith(`${control}`)),
          `${result.id}: ${lead}`,
        ).toBe(true);
      else expect(lead, result.id).toBe(`${result.controls.join(', ')}: did not break; the case failed on other controls:`);
      // One line per control and message shape: a repeat is counted, not printed again.
      const headlines = lines.filter((line) => !line.startsWith(' ') && !line.startsWith('replay:')).slice(ownBroke ? 0 : 1);
      const keys = headlines.map((line) => {
        const [control = '', ...rest] = line.split(': ');
        return `${control.replace(/ ×\d+$/, '')}|${messageShape(rest.join(': '))}`;
      });
      expect(new Set(keys).size, result.id).toBe(keys.length);
      // Nothing is lost: the counts add up to every failing finding.
      const counted = headlines.reduce((sum, line) => sum + Number(/^\S+ ×(\d+):/.exec(line)?.[1] ?? 1), 0);
      expect(counted, result.id).toBe(fails(result).length);
    }
    // The loop case that printed 23 near-identical lines before prints one, with its count.
    const loop = failed.find((c) => c.id === 'budget/model-call-loop-stops');
    const loopLines = loop ? failureLines(fails(loop), loop.replay, { controls: loop.controls }) : [];
    expect(loopLines.filter((line) => line.startsWith('authz.default-deny'))).toEqual([
      expect.stringMatching(/^authz\.default-deny ×\d+: internal_purge_\w+ over REST \(ledger #\d+, HTTP 404\)/),
    ]);
  }, 120_000);
});
