import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { Ledger } from '../../../src/ledger/ledger.js';
import { readRunAudit } from '../../../src/world/audit-channel.js';
import type { AuditRecord } from '../../../src/world/audit-intake.js';
import { auditFromOtlp } from '../../../src/world/otlp-audit.js';
import { directWorld } from './helpers.js';

const NS = 1_000_000n;
const T0 = BigInt(Date.parse('2026-01-01T10:00:00.000Z')) * NS;
const t = (ms: number, extraNs = 0n) => String(T0 + BigInt(ms) * NS + extraNs);
const s = (key: string, value: string) => ({ key, value: { stringValue: value } });
const i = (key: string, value: number) => ({ key, value: { intValue: String(value) } });

/** Spans as an OpenTelemetry SDK exporter would send them (written here, not by our agent). */
function exportBody() {
  const trace = '5b8efff798038103d269b633813fc60c';
  const root = {
    traceId: trace,
    spanId: 'eee19b7ec3c1b174',
    name: 'invoke_agent triage-bot',
    startTimeUnixNano: t(0),
    endTimeUnixNano: t(100),
    attributes: [
      s('gen_ai.operation.name', 'invoke_agent'),
      s('gen_ai.agent.id', 'triage-bot'),
      s('agent_chaos.run_id', 'run_9'),
      s('agent_chaos.trigger_id', 'TCK-7'),
      s('agent_chaos.trigger_source', 'helpdesk'),
      s('gen_ai.provider.name', 'openai'),
      s('gen_ai.request.model', 'gpt-4.1-mini'),
      s('agent_chaos.instructions_version', 'v3'),
      s('agent_chaos.tool_schema_version', 'abc'),
      s('agent_chaos.status', 'completed'),
      s('agent_chaos.reason', 'done'),
    ],
    events: [
      // Same millisecond as the chat span's end, one nanosecond later: ordered by time, not arrival.
      {
        timeUnixNano: t(20, 1n),
        name: 'agent_chaos.tool.proposed',
        attributes: [
          s('gen_ai.tool.call.id', 'c1'),
          s('gen_ai.tool.name', 'read_ticket'),
          s('gen_ai.tool.call.arguments', '{"ticket_id":"T-1"}'),
        ],
      },
      {
        timeUnixNano: t(20, 2n),
        name: 'agent_chaos.tool.proposed',
        attributes: [
          s('gen_ai.tool.call.id', 'c2'),
          s('gen_ai.tool.name', 'delete_repo'),
          s('gen_ai.tool.call.arguments', '{"repo":"a/b"}'),
        ],
      },
      {
        timeUnixNano: t(41),
        name: 'agent_chaos.tool.denied',
        attributes: [
          s('gen_ai.tool.call.id', 'c2'),
          s('gen_ai.tool.name', 'delete_repo'),
          s('agent_chaos.rule', 'forbidden'),
          s('agent_chaos.reason', 'no'),
        ],
      },
      {
        timeUnixNano: t(50),
        name: 'agent_chaos.approval.decided',
        attributes: [s('agent_chaos.approval_id', 'apr_1'), s('agent_chaos.decision', 'expired')],
      },
      {
        timeUnixNano: t(60),
        name: 'agent_chaos.budget.exceeded',
        attributes: [s('agent_chaos.budget', 'tool_calls'), i('agent_chaos.limit', 1), i('agent_chaos.used', 2)],
      },
      {
        timeUnixNano: t(61),
        name: 'agent_chaos.escalated',
        attributes: [s('agent_chaos.reason', 'budget'), s('agent_chaos.target', 'pager'), s('agent_chaos.summary', 'stopped')],
      },
      { timeUnixNano: t(62), name: 'exception', attributes: [s('exception.message', 'not ours')] },
    ],
  };
  const chat = {
    traceId: trace,
    spanId: '1111111111111111',
    parentSpanId: root.spanId,
    name: 'chat gpt-4.1-mini',
    startTimeUnixNano: t(10),
    endTimeUnixNano: t(20),
    attributes: [
      s('gen_ai.operation.name', 'chat'),
      s('gen_ai.provider.name', 'openai'),
      s('gen_ai.request.model', 'gpt-4.1-mini'),
      i('gen_ai.usage.input_tokens', 120),
      i('gen_ai.usage.output_tokens', 30),
    ],
  };
  const tool = {
    traceId: trace,
    spanId: '2222222222222222',
    parentSpanId: root.spanId,
    name: 'execute_tool read_ticket',
    startTimeUnixNano: t(30),
    endTimeUnixNano: t(40),
    attributes: [
      s('gen_ai.operation.name', 'execute_tool'),
      s('gen_ai.tool.name', 'read_ticket'),
      s('gen_ai.tool.call.id', 'c1'),
      s('gen_ai.tool.call.arguments', '{"ticket_id":"T-1"}'),
      s('error.type', '500'),
      { key: 'agent_chaos.external_ids', value: { arrayValue: { values: [{ stringValue: 'x1' }] } } },
    ],
    status: { code: 2, message: 'upstream unavailable' },
  };
  const http = {
    traceId: trace,
    spanId: '3333333333333333',
    parentSpanId: tool.spanId,
    name: 'POST',
    startTimeUnixNano: t(31),
    endTimeUnixNano: t(39),
  };
  return {
    resourceSpans: [
      {
        resource: { attributes: [s('service.name', 'triage-bot')] },
        // Children before the root, as a batching exporter may send them.
        scopeSpans: [{ scope: { name: 'agent' }, spans: [tool, http, chat, root] }],
      },
    ],
  };
}

const records = (body: unknown) => auditFromOtlp([{ seq: 4, body }]).lines.map((l) => (l.ok ? l.record : l.problem));

describe('OTLP traces to audit records', () => {
  it('maps GenAI spans and agent_chaos events to the contract records, in time order', () => {
    const out = records(exportBody()) as AuditRecord[];
    expect(out.map((r) => r.type)).toEqual([
      'run.started',
      'model.called',
      'tool.proposed',
      'tool.proposed',
      'tool.executed',
      'tool.denied',
      'approval.decided',
      'budget.exceeded',
      'escalated',
      'run.ended',
    ]);
    expect(out[0]).toMatchObject({
      ts: '2026-01-01T10:00:00.000Z',
      run_id: 'run_9',
      trigger_id: 'TCK-7',
      agent_id: 'triage-bot',
      model: { provider: 'openai', name: 'gpt-4.1-mini' },
      instructions_version: 'v3',
      tool_schema_version: 'abc',
      trigger: { id: 'TCK-7', source: 'helpdesk' },
    });
    expect(out[1]).toMatchObject({
      type: 'model.called',
      run_id: 'run_9',
      input_tokens: 120,
      output_tokens: 30,
      started_at: '2026-01-01T10:00:00.010Z',
    });
    expect(out[2]).toMatchObject({ call_id: 'c1', tool: 'read_ticket', args: { ticket_id: 'T-1' } });
    expect(out[4]).toMatchObject({
      type: 'tool.executed',
      call_id: 'c1',
      status: 'error',
      error: { type: '500', message: 'upstream unavailable' },
      external_ids: ['x1'],
      ended_at: '2026-01-01T10:00:00.040Z',
    });
    expect(out[6]).toMatchObject({ approval_id: 'apr_1', decision: 'expired', approver: null, decided_at: null });
    expect(out[7]).toMatchObject({ budget: 'tool_calls', limit: 1, used: 2 });
    expect(out[8]).toMatchObject({ reason: 'budget', target: 'pager', summary: 'stopped' });
    expect(out[9]).toMatchObject({ type: 'run.ended', status: 'completed', reason: 'done', ts: '2026-01-01T10:00:00.100Z' });
  });

  it('names the span and the OTLP attribute a bad record is missing', () => {
    const body = exportBody();
    const root = body.resourceSpans[0]?.scopeSpans[0]?.spans.at(-1) as { attributes: { key: string }[] };
    root.attributes = root.attributes.filter((a) => a.key !== 'gen_ai.request.model');
    expect(records(body)[0]).toMatch(
      /^span "invoke_agent triage-bot" eee19b7ec3c1b174 \(ledger#4\): model.name \(gen_ai.request.model\): /,
    );
  });

  it('reports an export that is not OTLP JSON as an invalid line, after the records', () => {
    const log = auditFromOtlp([
      { seq: 2, body: exportBody() },
      { seq: 3, body: '{"resourceSpans": [' },
      { seq: 5, body: { hello: 'world' } },
    ]);
    const bad = log.lines.filter((l) => !l.ok);
    expect(bad.map((l) => [l.line, l.ok ? '' : l.problem])).toEqual([
      [11, expect.stringMatching(/^OTLP export ledger#3 is not OTLP\/HTTP JSON \(the body is not JSON/)],
      [12, 'OTLP export ledger#5 is not OTLP/HTTP JSON: it has no resourceSpans list'],
    ]);
    expect(log.channel).toBe('otlp');
  });

  it('maps only the outermost invoke_agent span to the run; a timeout status comes from error.type', () => {
    const body = exportBody();
    const spans = body.resourceSpans[0]?.scopeSpans[0]?.spans as Record<string, unknown>[];
    spans.push({
      traceId: '5b8efff798038103d269b633813fc60c',
      spanId: '4444444444444444',
      parentSpanId: 'eee19b7ec3c1b174',
      name: 'invoke_agent helper',
      startTimeUnixNano: t(70),
      endTimeUnixNano: t(80),
      attributes: [s('gen_ai.operation.name', 'invoke_agent')],
    });
    const tool = spans[0] as { attributes: { key: string; value: unknown }[] };
    tool.attributes = tool.attributes.map((a) => (a.key === 'error.type' ? s('error.type', 'timeout') : a));
    const out = records(body) as AuditRecord[];
    expect(out.filter((r) => r.type === 'run.started')).toHaveLength(1);
    expect(out.find((r) => r.type === 'tool.executed')).toMatchObject({ status: 'timeout' });
  });
});

describe('the audit channel of a run', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });
  const ledgerWithExport = () => {
    const ledger = new Ledger();
    ledger.record({
      kind: 'other',
      service: 'otlp',
      method: 'POST',
      path: '/otlp/v1/traces',
      startedAt: 0,
      endedAt: 0,
      status: 200,
      note: 'traces',
      body: exportBody(),
    });
    return ledger;
  };

  it('reads the file when the agent wrote one, else the OTLP exports, else reports the file missing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ac-channel-'));
    dirs.push(dir);
    const file = join(dir, 'audit.jsonl');
    expect((await readRunAudit(file, ledgerWithExport())).channel).toBe('otlp');
    expect(await readRunAudit(file, new Ledger())).toMatchObject({ channel: 'file', missing: true });
    await writeFile(file, '{"type":"x"}\n');
    expect((await readRunAudit(file, ledgerWithExport())).channel).toBe('file');
  });

  it('receives JSON and gzip exports, and answers 400 to a body that is not JSON', async () => {
    const world = directWorld();
    const post = (body: BodyInit, headers: Record<string, string> = {}) =>
      world.handle(
        new Request(`${world.baseUrl}/otlp/v1/traces`, {
          method: 'POST',
          body,
          headers: { 'content-type': 'application/json', ...headers },
        }),
      );
    expect((await post(JSON.stringify(exportBody()))).status).toBe(200);
    expect((await post(gzipSync(JSON.stringify(exportBody())), { 'content-encoding': 'gzip' })).status).toBe(200);
    expect((await post('\u0000\u0001protobuf')).status).toBe(400);
    const bodies = world.ledger.entries.map((e) => (e.kind === 'other' ? e.body : undefined));
    expect(bodies.slice(0, 2)).toEqual([exportBody(), exportBody()]);
    expect(typeof bodies[2]).toBe('string');
    await world.close();
  });
});
