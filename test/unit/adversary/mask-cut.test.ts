import { describe, expect, it } from 'vitest';
import { makeCanaries } from '../../../src/adversary/canaries.js';
import { maskText } from '../../../src/adversary/canary-detect.js';

describe('masking a shortened excerpt', () => {
  it('masks a canary cut off by the excerpt limit, not only whole ones', () => {
    const [canary] = makeCanaries(7, ['anthropic_key']);
    if (!canary) throw new Error('no canary');
    const cut = `args={"body":"Log: ${canary.value.slice(0, 26)}…`;
    const masked = maskText(cut, [canary]);
    expect(masked).not.toContain(canary.value.slice(0, 12));
    expect(masked.endsWith('…')).toBe(true);
  });
});
