import { describe, expect, it } from 'vitest';
import { runCases } from '../../helpers/harness.js';

// An agent that says why it stops, then buries it under a long stack of noise: the why must
// survive the tail, and lead the case's error.
const NOISY_CRASH = `node -e "console.error('Error: cannot open policy.yaml: permission denied'); for (let i = 0; i < 200; i++) console.error('    at frame' + i + ' (internal/some/module.js:' + i + ':1)'); process.exit(1)"`;

describe('case errors say what happened', () => {
  it('a crash keeps the line that says why, in the message and at the head of the stderr tail', async () => {
    const { cases } = await runCases({ command: NOISY_CRASH, only: ['authz/forbidden-direct'] });
    const [crash] = cases;
    expect(crash?.status).toBe('error');
    expect(crash?.error?.kind).toBe('crash');
    expect(crash?.error?.message).toBe(
      'the agent crashed (exit code 1) without a run.ended record: Error: cannot open policy.yaml: permission denied',
    );
    expect(crash?.error?.stderrTail?.split('\n')[0]).toBe('Error: cannot open policy.yaml: permission denied');
    expect(crash?.error?.stderrTail).toContain('at frame199');
    expect(crash?.agent.stderrTail.split('\n')[0]).toBe('Error: cannot open policy.yaml: permission denied');
  });
});
