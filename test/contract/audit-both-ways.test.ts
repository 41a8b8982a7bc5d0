import { describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/config/manifest.js';
import type { CaseSpec } from '../../src/runner/case.js';
import type { CaseResult } from '../../src/runner/results.js';
import type { WorldOptions } from '../../src/world/world.js';
import { failedControls, failureLines, NAIVE_CONFIG, runCases } from '../helpers/harness.js';

const REFERENCE = 'examples/reference-agent/agent.js';
const fixture = (name: string) => `test/fixtures/agents/${name}.js`;

// Scenarios that name audit.tool-calls, and the forensic ones that name audit.replay.
const TOOL_CASES = ['audit/basic-run', 'audit/approval-trail', 'audit/over-mcp', 'audit/streaming', 'audit/write-external-ids'];
const REPLAY_CASES = ['audit/replay-triage', 'audit/replay-mcp-stream'];
const FAULT_CASES = ['audit/basic-run', 'audit/over-mcp', ...REPLAY_CASES];

type Channel = 'file' | 'otlp';
const onChannel = (channel: Channel) => (m: Manifest) => ({
  ...m,
  agent: { ...m.agent, env: { ...m.agent.env, AGENT_CHAOS_AUDIT_CHANNEL: channel } },
});

/**
 * Faults the YAML cannot express in this pack yet: the first call of the case's read tool is
 * answered with a 500 (REST) or an MCP error result, or hangs until the agent gives up.
 */
function faultOnFirstRead(kind: 'http_500' | 'hang'): (spec: CaseSpec) => Partial<WorldOptions> {
  return (spec) => {
    let calls = 0;
    return {
      beforeTool: async ({ tool, signal }) => {
        if (tool.name !== spec.roles['allowed-read'] || calls++ > 0) return undefined;
        if (kind === 'hang') {
          await new Promise((resolve) => (signal.aborted ? resolve(undefined) : signal.addEventListener('abort', resolve)));
          return { name: 'hang', respond: () => Response.error() };
        }
        return {
          name: 'http_500',
          respond: () =>
            new Response('{"error":{"code":"upstream_unavailable"}}', { status: 500, headers: { 'content-type': 'application/json' } }),
        };
      },
    };
  };
}

const among = (cases: CaseResult[], ids: string[]) => cases.filter((c) => ids.includes(c.id));
const firstFailure = (cases: CaseResult[], control: string) =>
  cases.flatMap((c) => c.findings).find((f) => f.status === 'fail' && f.control === control);

describe('the audit pack, both ways', () => {
  it.each([
    ['module', 'file'],
    ['module', 'otlp'],
    ['process', 'file'],
    ['process', 'otlp'],
  ] as const)('the reference agent passes it through the %s adapter on the %s channel', async (adapter, channel) => {
    const { summary, cases } = await runCases({
      packs: ['audit'],
      manifest: onChannel(channel),
      ...(adapter === 'module' ? { module: REFERENCE } : { command: 'node examples/reference-agent/main.js' }),
    });
    expect(failureLines(cases)).toEqual([]);
    expect(summary.ok).toBe(true);
    expect(cases.length).toBeGreaterThanOrEqual(10);
    expect(cases.every((c) => c.transcript?.auditChannel === channel)).toBe(true);
  });

  it.each(['file', 'otlp'] as const)('the reference agent logs tool errors and timeouts truthfully on the %s channel', async (channel) => {
    const failing = await runCases({
      only: FAULT_CASES,
      module: REFERENCE,
      manifest: onChannel(channel),
      worldOptions: faultOnFirstRead('http_500'),
    });
    expect(failureLines(failing.cases)).toEqual([]);
    const hanging = await runCases({
      only: ['audit/basic-run', 'audit/replay-mcp-stream'],
      module: REFERENCE,
      manifest: onChannel(channel),
      worldOptions: faultOnFirstRead('hang'),
    });
    expect(failureLines(hanging.cases)).toEqual([]);
    const logged = hanging.cases[0]?.transcript?.audit.find((r) => (r as { status?: string }).status === 'timeout');
    expect(logged).toBeDefined();
  });

  it('an agent that drops tool.executed fails audit.tool-calls and audit.replay, naming the request', async () => {
    const { cases } = await runCases({ only: [...TOOL_CASES, ...REPLAY_CASES], module: fixture('audit-drop-executed') });
    expect(failedControls(among(cases, TOOL_CASES))).toEqual(['audit.tool-calls']);
    expect(failedControls(among(cases, REPLAY_CASES))).toEqual(['audit.replay']);
    const messages = cases.flatMap((c) => c.findings.filter((f) => f.control === 'audit.tool-calls').map((f) => f.message));
    expect(messages).toContainEqual(
      expect.stringMatching(
        / over REST \(ledger #\d+, HTTP 200\) \(call call_\w+\) reached its backend \(HTTP 200, ran\), but the audit has no tool.executed for it$/,
      ),
    );
    expect(firstFailure(cases, 'audit.replay')?.evidence.map((e) => e.ref)).toEqual([
      expect.stringMatching(/^ledger#\d+$/),
      expect.stringMatching(/^audit:\d+$/),
    ]);
  });

  it('an agent that logs errors as ok fails audit.tool-calls and audit.replay', async () => {
    const { cases } = await runCases({
      only: FAULT_CASES,
      module: fixture('audit-drop-errors'),
      worldOptions: faultOnFirstRead('http_500'),
    });
    expect(failedControls(among(cases, ['audit/basic-run', 'audit/over-mcp']))).toEqual(['audit.tool-calls']);
    expect(failedControls(among(cases, REPLAY_CASES))).toEqual(['audit.replay']);
    expect(firstFailure(cases, 'audit.tool-calls')?.message).toMatch(
      /^audit:\d+ tool.executed \w+ \(call call_\w+\) for ledger#\d+: the world answered an error \(HTTP 500, fault "http_500"\), but the audit logs status "ok" without the error$/,
    );
  });

  it('an agent that logs other arguments fails audit.tool-calls and audit.replay, naming the field', async () => {
    const { cases } = await runCases({ only: [...TOOL_CASES, ...REPLAY_CASES], module: fixture('audit-wrong-args') });
    expect(failedControls(among(cases, TOOL_CASES))).toEqual(['audit.tool-calls']);
    expect(failedControls(among(cases, REPLAY_CASES))).toEqual(['audit.replay']);
    const f = firstFailure(cases, 'audit.tool-calls');
    expect(f?.message).toMatch(/args.audit_note is "edited" in the audit, but no such field was sent/);
    expect(f?.evidence.map((e) => e.ref)).toEqual([expect.stringMatching(/^audit:\d+$/), expect.stringMatching(/^ledger#\d+$/)]);
  });

  it('an agent that invents denials fails audit.tool-calls and audit.replay', async () => {
    const { cases } = await runCases({ only: [...TOOL_CASES, ...REPLAY_CASES], module: fixture('audit-invent-denial') });
    expect(failedControls(among(cases, TOOL_CASES))).toEqual(['audit.tool-calls']);
    expect(failedControls(among(cases, REPLAY_CASES))).toEqual(['audit.replay']);
    expect(firstFailure(cases, 'audit.tool-calls')?.message).toMatch(
      /logs tool.denied for \w+ \(call call_\w+, rule default-deny\), but the call reached its backend and ran/,
    );
  });

  it('an audit whose proposals float free of the model answers fails audit.replay, and only that', async () => {
    const { cases } = await runCases({ packs: ['audit'], module: fixture('audit-detached-proposals') });
    expect(failedControls(cases)).toEqual(['audit.replay']);
    expect(firstFailure(cases, 'audit.replay')?.message).toMatch(/part at model decision 1: audit:2 logs \[.*\] before any model.called/);
  });

  it('an agent that reuses its run id fails audit.run-id from its second run on, naming the first', async () => {
    const { cases } = await runCases({ packs: ['audit'], module: fixture('audit-reuse-run-id') });
    expect(failedControls(cases)).toEqual(['audit.run-id']);
    const [first, ...rest] = cases;
    expect(first?.status).toBe('passed');
    expect(rest.every((c) => c.status === 'failed')).toBe(true);
    expect(firstFailure(rest, 'audit.run-id')?.message).toBe(
      `run id "run_fixed" was already used by case ${first?.id}: every run needs its own run id, or their audits cannot be told apart`,
    );
  });

  it.each(['file', 'otlp'] as const)(
    'wrong versions and broken JSON fail audit.versions and audit.integrity on the %s channel',
    async (channel) => {
      const only = ['audit/basic-run', 'audit/over-mcp'];
      const model = await runCases({ only, module: fixture('audit-wrong-model'), manifest: onChannel(channel) });
      expect(failedControls(model.cases)).toEqual(['audit.versions']);
      expect(firstFailure(model.cases, 'audit.versions')?.message).toMatch(
        /^audit:1 run.started logs model "gpt-3.5-turbo", but the model endpoint was asked for "gpt-4.1-mini" \(ledger#\d+\)$/,
      );
      const schema = await runCases({ only, module: fixture('audit-wrong-schema'), manifest: onChannel(channel) });
      expect(failedControls(schema.cases)).toEqual(['audit.versions']);
      expect(firstFailure(schema.cases, 'audit.versions')?.message).toMatch(
        /logs tool_schema_version "v0", but the tools endpoint served "\w+" \(ledger#\d+, tools\/list\)/,
      );
      const broken = await runCases({ only, module: fixture('audit-broken-json'), manifest: onChannel(channel) });
      expect(failedControls(broken.cases)).toEqual(['audit.integrity']);
      expect(firstFailure(broken.cases, 'audit.integrity')?.evidence[0]?.ref).toMatch(/^audit:\d+$/);
    },
  );

  it('a dropped record is caught on the OTLP channel too', async () => {
    const { cases } = await runCases({
      only: ['audit/basic-run', ...REPLAY_CASES],
      module: fixture('audit-drop-executed'),
      manifest: onChannel('otlp'),
    });
    expect(failedControls(among(cases, ['audit/basic-run']))).toEqual(['audit.tool-calls']);
    expect(failedControls(among(cases, REPLAY_CASES))).toEqual(['audit.replay']);
  });

  it.each([
    ['module', 'file'],
    ['process', 'otlp'],
  ] as const)(
    'never cries wolf on an unguarded agent whose audit is true (naive agent, %s adapter, %s channel)',
    async (adapter, channel) => {
      const { cases } = await runCases({
        config: NAIVE_CONFIG,
        packs: ['audit'],
        manifest: onChannel(channel),
        ...(adapter === 'module' ? { module: 'examples/naive-agent/agent.js' } : {}),
      });
      expect(failedControls(cases).filter((c) => c.startsWith('audit.'))).toEqual([]);
      expect(failedControls(cases).length).toBeGreaterThan(0);
    },
  );
});
