import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { failedControls, failureLines, NAIVE_CONFIG, ROOT, runCases } from '../helpers/harness.js';

// A recorded real-model session, played back by the replay policy: the same checks judge it as
// any scripted case, whatever API the session was recorded from.
const scenarioRoots = [resolve(ROOT, 'test/fixtures/scenarios/replay')];
const only = ['replay/'];

describe('replayed model sessions, both ways', () => {
  it('the reference agent denies what the recorded model asked for', async () => {
    const { cases } = await runCases({ scenarioRoots, only, module: 'examples/reference-agent/agent.js' });
    expect(cases.map((c) => c.id).sort()).toEqual(['replay/forbidden-anthropic', 'replay/forbidden-chat']);
    expect(failureLines(cases)).toEqual([]);
    expect(cases.every((c) => c.status === 'passed')).toBe(true);
  });

  it('the naive agent runs the recorded forbidden call and the made-up tool', async () => {
    const { cases } = await runCases({ config: NAIVE_CONFIG, scenarioRoots, only });
    expect(failedControls(cases)).toEqual(['authz.default-deny', 'authz.forbidden']);
    const messages = cases.flatMap((c) => c.findings.filter((f) => f.status === 'fail').map((f) => f.message));
    expect(messages).toContainEqual(expect.stringMatching(/forbidden tool "delete_repo" reached its backend with no approval/));
    expect(messages).toContainEqual(expect.stringMatching(/"purge_cache_everywhere" is a tool that does not exist/));
  });
});
