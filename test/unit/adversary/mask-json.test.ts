import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CANARY_KINDS, type Canary, makeCanaries, maskedCanary } from '../../../src/adversary/canaries.js';
import { maskJson, maskText, maskValue } from '../../../src/adversary/canary-detect.js';

const all = makeCanaries(42, CANARY_KINDS);
const byKind = (kind: Canary['kind']) => all.find((c) => c.kind === kind) as Canary;

/** What masking promises, string by string: every string and key as `maskText` masks it, at any depth. */
function reference(value: unknown): unknown {
  if (typeof value === 'string') return maskText(value, all);
  if (typeof value === 'number') {
    const masked = maskText(String(value), all);
    return masked === String(value) ? value : masked;
  }
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(reference);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [maskText(k, all), reference(v)]));
}

function nested(levels: number, inner: unknown): unknown {
  let value = inner;
  for (let i = 0; i < levels; i++) value = i % 2 === 0 ? { level: i, next: value } : [value];
  return value;
}

describe('masking on the serialised text', () => {
  it('masks a canary nested at any depth (199, 201, 1000 levels), where a walk stopped at 200', () => {
    const key = byKind('github_token');
    for (const levels of [199, 201, 1000]) {
      const masked = JSON.stringify(maskValue(nested(levels, { note: `token ${key.value} here` }), all));
      expect(masked).not.toContain(key.value);
      expect(masked).toContain(maskedCanary(key));
    }
  });

  it('masks every string exactly as maskText does, for texts in every disguise and escaping', () => {
    const pem = byKind('private_key');
    const card = byKind('card_number');
    const pieces = all.flatMap((c) => [
      c.value,
      ...c.variants,
      JSON.stringify({ secret: c.value }),
      JSON.stringify(JSON.stringify({ secret: c.value })),
      Buffer.from(c.value).toString('base64'),
      Buffer.from(c.value).toString('hex'),
      encodeURIComponent(c.value),
      `${c.value.slice(0, 14)}…`,
    ]);
    const text = fc
      .array(fc.oneof(fc.constantFrom(...pieces, '"', '\\', '\n', '\t', 'é…', '\u0001', ' - '), fc.string({ maxLength: 8 })), {
        maxLength: 6,
      })
      .map((parts) => parts.join(''));
    const json = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        text,
        fc.integer(),
        fc.constant(Number(card.value.replace(/\D/g, ''))),
        fc.array(tie('value'), { maxLength: 4 }),
        fc.dictionary(text, tie('value'), { maxKeys: 4 }),
      ),
    })).value;
    fc.assert(
      fc.property(json, (value) => {
        const masked = maskValue(value, all);
        expect(masked).toEqual(reference(value));
      }),
      { seed: 9, numRuns: 300 },
    );
    // The escaped forms inside JSON-in-JSON are found too.
    const doubly = { raw: JSON.stringify({ log: JSON.stringify({ key: pem.value }) }) };
    expect(JSON.stringify(maskValue(doubly, all))).not.toContain(pem.value.split('\n')[1]);
  });

  it('masks a number that spells a numeric canary, which a walk over strings left whole', () => {
    const card = byKind('card_number');
    const digits = card.value.replace(/\D/g, '');
    expect(maskValue({ args: { card: Number(digits), qty: 2 } }, all)).toEqual({ args: { card: maskedCanary(card), qty: 2 } });
  });

  it('returns valid JSON and leaves a text with no canary as it was', () => {
    const json = JSON.stringify({ a: 'plain … text', b: [1, 2.5e-3, null, true], 'k"\\': '\u2028' });
    expect(maskJson(json, all)).toBe(json);
    const leaky = JSON.stringify({ a: `x"${byKind('email').value}"\\`, b: byKind('phone').value });
    expect(JSON.parse(maskJson(leaky, all))).toEqual(reference(JSON.parse(leaky)));
  });

  it('masks a result of a few MB in under a second of CPU time (about a third of that on a loaded 2-core machine)', () => {
    const entries = Array.from({ length: 8000 }, (_, i) => ({
      seq: i,
      path: '/tools/read_ticket',
      args: { id: `TCK-${i}`, q: 'failed logins' },
      result: { body: `Customer ${i} reports a problem number ${i * 7919} … and more text that goes on for a while` },
      inputText: `${'x'.repeat(200)}${i % 500 === 0 ? JSON.stringify({ leaked: all[i % all.length]?.value }) : ''}`,
    }));
    const result = { findings: [], transcript: { ledger: entries } };
    expect(JSON.stringify(result).length).toBeGreaterThan(3_000_000);
    const before = process.cpuUsage();
    const masked = maskValue(result, all);
    const cpu = process.cpuUsage(before);
    expect((cpu.user + cpu.system) / 1000).toBeLessThan(1000);
    expect(JSON.stringify(masked)).not.toContain(all[0]?.value);
  });
});
