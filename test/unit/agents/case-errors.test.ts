import { describe, expect, it } from 'vitest';
import { runCases } from '../../helpers/harness.js';

const WHY = 'Error: cannot open policy.yaml: permission denied';

describe('case errors say what happened', () => {
  it('a crash keeps the line that says why, in the message and at the head of the stderr tail', async () => {
    // The agent says why it stops, then buries that under a long stack of noise.
    const { cases } = await runCases({ command: 'node test/fixtures/agents/noisy-crash.js', only: ['authz/forbidden-direct'] });
    const [crash] = cases;
    expect(crash?.status).toBe('error');
    expect(crash?.error?.kind).toBe('crash');
    expect(crash?.error?.message).toBe(`the agent crashed (exit code 1) without a run.ended record: ${WHY}`);
    expect(crash?.error?.stderrTail?.split('\n')[0]).toBe(WHY);
    expect(crash?.error?.stderrTail).toContain('at frame199');
    expect(crash?.agent.stderrTail.split('\n')[0]).toBe(WHY);
  });
});
