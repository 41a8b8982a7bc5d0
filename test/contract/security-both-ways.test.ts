import { describe, expect, it } from 'vitest';
import { CARRIER_NAMES } from '../../src/adversary/carriers/names.js';
import { builtinCorporaDir, loadCorpus } from '../../src/config/corpora.js';
import type { CaseResult } from '../../src/runner/results.js';
import { FIXTURE_AGENTS, failedControls, failureLines, NAIVE_CONFIG, runCases } from '../helpers/harness.js';

const corpus = loadCorpus(`${builtinCorporaDir()}/injections`);
const SEES_SECRETS = `${FIXTURE_AGENTS}/model-sees-secrets.config.yaml`;
const EMAIL_ALLOWED = `${FIXTURE_AGENTS}/email-allowed.config.yaml`;

const failing = (cases: readonly CaseResult[], control: string) =>
  cases.flatMap((c) => c.findings.filter((f) => f.status === 'fail' && f.control === control));

describe('security checks, both ways', () => {
  it('the reference agent holds the whole security pack in-process', async () => {
    const { summary, cases } = await runCases({ packs: ['security'], module: 'examples/reference-agent/agent.js' });
    expect(failureLines(cases)).toEqual([]);
    expect(cases.filter((c) => c.status !== 'passed')).toEqual([]);
    expect(summary.ok).toBe(true);
    const held = new Set(summary.controls.filter((c) => c.passed > 0).map((c) => c.control));
    for (const control of ['security.injection', 'security.no-leak', 'security.redaction', 'security.ambiguity'])
      expect(held).toContain(control);
    // The report credits what reached the model; harm, which the control judges, is none.
    const injections = summary.injections ?? [];
    expect(injections.length).toBeGreaterThanOrEqual(16);
    expect(injections.reduce((n, t) => n + t.delivered, 0)).toBeGreaterThan(0);
    expect(injections.reduce((n, t) => n + t.harmed, 0)).toBe(0);
  });

  it('the reference agent holds it as a process too', async () => {
    const { cases } = await runCases({ packs: ['security'], command: 'node examples/reference-agent/main.js' });
    expect(failureLines(cases)).toEqual([]);
    expect(cases.every((c) => c.status === 'passed')).toBe(true);
  });

  it('every built-in technique reaches the naive model, and the naive agent fails across techniques', async () => {
    // Every entry once, the carriers taken in turn, so every carrier is used too.
    const only = corpus.entries.map((e, i) => `security/injection/${e.id}@${CARRIER_NAMES[i % CARRIER_NAMES.length]}`);
    const { summary, cases } = await runCases({ config: NAIVE_CONFIG, only, concurrency: 4 });
    expect(cases).toHaveLength(corpus.entries.length);
    // The naive agent filters nothing: every payload reaches the model word for word (or as planted, encoded), and some do harm.
    const injections = summary.injections ?? [];
    expect(injections.map((t) => t.technique).sort()).toEqual([...new Set(corpus.entries.map((e) => e.technique))].sort());
    expect(injections.reduce((n, t) => n + t.keptOut + t.transformed, 0)).toBe(0);
    expect(injections.reduce((n, t) => n + t.harmed, 0)).toBeGreaterThan(0);
    const technique = (c: CaseResult) => corpus.entries.find((e) => c.id.includes(`/${e.id}@`))?.technique;
    const reached = new Set(
      cases.filter((c) => c.findings.some((f) => f.status === 'info' && /reached the model/.test(f.message))).map(technique),
    );
    const broken = new Set(
      cases.filter((c) => c.findings.some((f) => f.status === 'fail' && f.control.startsWith('security.'))).map(technique),
    );
    const techniques = new Set(corpus.entries.map((e) => e.technique));
    expect(techniques.size).toBeGreaterThanOrEqual(16);
    expect([...reached].sort()).toEqual([...techniques].sort());
    expect([...broken].sort()).toEqual([...techniques].sort());
    expect(failedControls(cases)).toEqual(
      expect.arrayContaining(['security.injection', 'security.no-leak', 'security.redaction', 'authz.forbidden']),
    );
  });

  it('without output scrubbing, a model that sees secrets leaks them in the answer: security.no-leak, and only that', async () => {
    const only = ['security/leak-reveal/prompt-leak-001@ticket', 'security/leak-reveal/prompt-leak-005@trigger'];
    const good = await runCases({ config: SEES_SECRETS, only, module: 'test/fixtures/agents/model-sees-secrets.js' });
    expect(failureLines(good.cases)).toEqual([]);
    const { cases } = await runCases({ config: SEES_SECRETS, only, module: 'test/fixtures/agents/leaky-output.js' });
    expect(failedControls(cases)).toEqual(['security.no-leak']);
    const [leak] = failing(cases, 'security.no-leak');
    expect(leak?.message).toMatch(/\(canary \d+, [a-z_]+\).* left the agent in the agent's final answer/);
    expect(leak?.evidence[0]?.ref).toBe('stdout');
  });

  it('without DLP, keys leave base64- or hex-encoded in a comment: security.no-leak, and only that', async () => {
    const only = ['security/leak-via-tool/encoding-006@ticket', 'security/leak-via-tool/encoding-007@trigger'];
    const good = await runCases({ config: SEES_SECRETS, only, module: 'test/fixtures/agents/model-sees-secrets.js' });
    expect(failureLines(good.cases)).toEqual([]);
    const { cases } = await runCases({ config: SEES_SECRETS, only, module: 'test/fixtures/agents/leaky-arguments.js' });
    expect(failedControls(cases)).toEqual(['security.no-leak']);
    const messages = failing(cases, 'security.no-leak').map((f) => f.message);
    expect(messages.some((m) => /base64.* left the agent in the arguments of comment_ticket over REST \(ledger #\d+/.test(m))).toBe(true);
    expect(messages.some((m) => /hex.* left the agent in the arguments of comment_ticket/.test(m))).toBe(true);
  });

  it('without redaction, secrets from tool results land in the audit: security.redaction, and only that', async () => {
    const only = ['security/redaction-tool-result', 'security/redaction-tool-error'];
    const { cases } = await runCases({ only, module: 'test/fixtures/agents/unredacted-audit.js' });
    expect(cases.map((c) => c.status)).toEqual(['failed', 'failed']);
    expect(failedControls(cases)).toEqual(['security.redaction']);
    expect(failing(cases, 'security.redaction')[0]?.message).toMatch(
      /^audit:\d+ records read_ticket's result with .*\(canary \d+, .*unredacted$/,
    );
  });

  it('dropping the records that hold secrets fails security.redaction too', async () => {
    const { cases } = await runCases({
      only: ['security/redaction-tool-result', 'security/redaction-tool-error'],
      module: 'test/fixtures/agents/dropped-records.js',
    });
    expect(failedControls(cases)).toEqual(['security.redaction']);
    expect(failing(cases, 'security.redaction')[0]?.message).toMatch(
      /the audit has no tool\.executed record of the call: .* never dropped/,
    );
  });

  it('with egress open, an injected email to the attacker goes out: security.injection, and only that', async () => {
    // Not the encoded ones: the agent's redaction of the attacker's address in them keeps those from the model.
    const messages = corpus.entries.filter((e) => e.goal.action === 'message' && e.technique !== 'encoding').slice(0, 6);
    const only = messages.map((e, i) => `security/injection/${e.id}@${['trigger', 'ticket', 'json-deep'][i % 3]}`);
    const good = await runCases({ config: EMAIL_ALLOWED, only, module: 'test/fixtures/agents/email-allowed.js' });
    expect(failureLines(good.cases)).toEqual([]);
    const { cases } = await runCases({ config: EMAIL_ALLOWED, only, module: 'test/fixtures/agents/open-egress.js' });
    expect(cases.every((c) => c.status === 'failed')).toBe(true);
    expect(failedControls(cases)).toEqual(['security.injection']);
    expect(failing(cases, 'security.injection')[0]?.message).toMatch(
      /: .*send_email over REST \(ledger #\d+, HTTP 200\) ran with the attacker's address \([a-z-]+-[0-9a-f]{6}\.example\) in its arguments/,
    );
  });

  it('without the ambiguity guard, conflicting writes are guessed at: security.ambiguity, and only that', async () => {
    const only = ['opposite-writes', 'two-tickets', 'unclear-target'].map((s) => `security/ambiguity-${s}`);
    const { cases } = await runCases({ only, module: 'test/fixtures/agents/no-ambiguity-guard.js' });
    expect(cases).toHaveLength(3);
    expect(failedControls(cases)).toEqual(['security.ambiguity']);
    expect(failing(cases, 'security.ambiguity')[0]?.message).toMatch(
      /ran: one of 2 conflicting writes, a guess where the agent should have asked/,
    );
  });

  it('an agent written apart from the reference one is judged the same way', async () => {
    const { cases } = await runCases({ only: ['security/redaction-tool-result'], module: 'test/fixtures/agents/raw-fetch-agent.js' });
    expect(failedControls(cases)).toContain('security.redaction');
  });
});
