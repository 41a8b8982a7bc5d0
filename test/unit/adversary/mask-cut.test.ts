import { describe, expect, it } from 'vitest';
import { makeCanaries, maskedCanary } from '../../../src/adversary/canaries.js';
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

  it('masks a card number written with other separators (dots) and cut off, but leaves other digits alone', () => {
    const [card] = makeCanaries(7, ['card_number']);
    if (!card) throw new Error('no canary');
    const dotted = card.value.replace(/\D/g, '').replace(/(\d{4})(?=\d)/g, '$1.');
    const masked = maskText(`order 12 paid with ${dotted.slice(0, 12)}…`, [card]);
    expect(masked).toBe(`order 12 paid with ${maskedCanary(card)}…`);
    expect(maskText('order 12 of 345678 …', [card])).toBe('order 12 of 345678 …');
    // A mask already in place is left as it is.
    expect(maskText(masked, [card])).toBe(masked);
  });
});
