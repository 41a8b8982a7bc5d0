import { describe, expect, it } from 'vitest';
import { failedControls, failureLines, runCases } from '../helpers/harness.js';

// An agent written in another style, knowing only the contract, is judged the same way.
describe('an independently written agent', () => {
  it('passes the authorization and audit packs when guarded', async () => {
    const { cases } = await runCases({ packs: ['authorization', 'audit'], module: 'test/fixtures/agents/raw-fetch-agent.js' });
    expect(failureLines(cases)).toEqual([]);
    expect(cases.filter((c) => c.status !== 'passed' && c.status !== 'skipped')).toEqual([]);
  });

  it('holds the kill switch by stopping at the first refusal, without polling its identity provider', async () => {
    const { cases } = await runCases({
      only: ['identity/kill-switch-loop', 'identity/kill-switch-before-write'],
      module: 'test/fixtures/agents/raw-fetch-agent.js',
    });
    expect(cases.map((c) => c.findings.find((f) => f.control === 'identity.kill-switch')?.status)).toEqual(['pass', 'pass']);
  });

  it('fails the authz controls without its allowlist', async () => {
    const { cases } = await runCases({ packs: ['authorization'], module: 'test/fixtures/agents/raw/no-allowlist.js' });
    expect(failedControls(cases)).toEqual(['authz.default-deny', 'authz.forbidden', 'authz.read-write']);
  });

  it('fails audit.run-id when it switches run id mid-run, naming the line', async () => {
    const { cases } = await runCases({ only: ['audit/basic-run'], module: 'test/fixtures/agents/raw/split-run-id.js' });
    expect(failedControls(cases)).toEqual(['audit.run-id']);
    expect(cases[0]?.findings.find((f) => f.status === 'fail')?.message).toMatch(/2 run ids in one run: .* from line \d+/);
  });
});
