import { describe, expect, it } from 'vitest';
import { auditToolCallsCheck } from '../../../src/checks/audit-tool-calls.js';
import { auditVersionsCheck } from '../../../src/checks/audit-versions.js';
import { normaliseTime, parseAudit } from '../../../src/world/audit-intake.js';
import { auditFromOtlp } from '../../../src/world/otlp-audit.js';
import { honest, Scene } from '../checks/audit-scene.js';

// Contract §4 names several fields without a shape: each natural way of writing them is read
// (docs/audit.md, "Accepted forms"), and where the harness needs a shape the error says which.

const base = { ts: '2026-12-01T10:00:00.123Z', run_id: 'run_1', trigger_id: 'TCK-1', agent_id: 'bot' };
const one = (record: Record<string, unknown>) => parseAudit(JSON.stringify({ ...base, ...record })).lines[0];
const record = (r: Record<string, unknown>) => {
  const line = one(r);
  if (!line?.ok) throw new Error(`refused: ${line?.ok === false ? line.problem : 'nothing'}`);
  return line.record as Record<string, unknown>;
};
const problem = (r: Record<string, unknown>) => {
  const line = one(r);
  return line && !line.ok ? line.problem : undefined;
};

const started = { type: 'run.started', instructions_version: 'v1', tool_schema_version: 's1', trigger: { id: 'TCK-1', source: 'x' } };
const called = { type: 'model.called', started_at: base.ts, ended_at: base.ts, input_tokens: 1, output_tokens: 2 };

describe('accepted forms: model', () => {
  it('reads a string as the model name, for run.started and model.called', () => {
    expect(record({ ...started, model: 'gpt-4.1-mini' }).model).toEqual({ name: 'gpt-4.1-mini' });
    expect(record({ ...called, model: 'openai/gpt-4.1-mini' }).model).toEqual({ name: 'openai/gpt-4.1-mini' });
    expect(record({ ...called, model: { name: 'gpt-4.1-mini' } }).model).toEqual({ name: 'gpt-4.1-mini' });
    expect(record({ ...called, model: { provider: null, name: 'm' } }).model).toEqual({ name: 'm' });
    expect(record({ ...called, model: { provider: 'openai', name: 'm', version: 3 } }).model).toEqual({
      provider: 'openai',
      name: 'm',
      version: 3,
    });
  });

  it('still refuses a model with no name', () => {
    expect(problem({ ...called, model: '' })).toMatch(/^model\.name: /);
    expect(problem({ ...called, model: { provider: 'openai' } })).toMatch(/^model\.name: /);
  });

  const versions = (model: unknown, calledModel: unknown = model) => {
    const s = new Scene();
    s.listing(0);
    s.start(1, { model });
    s.model(10, []);
    (s.lines.at(-1) as Record<string, unknown>).model = calledModel;
    s.end(20);
    return auditVersionsCheck.run(s.context(['audit.versions']));
  };

  it('audit.versions passes a string naming the served model, bare or with a provider prefix', () => {
    for (const model of ['gpt-4.1-mini', 'openai/gpt-4.1-mini', { name: 'gpt-4.1-mini' }, { provider: 'openai', name: 'gpt-4.1-mini' }]) {
      expect(
        versions(model).map((f) => f.status),
        JSON.stringify(model),
      ).toEqual(['pass']);
    }
  });

  it('audit.versions still fails a wrong model, in either form, in run.started or model.called', () => {
    expect(versions('gpt-3.5-turbo')[0]?.message).toMatch(
      /run\.started logs model "gpt-3\.5-turbo", but the model endpoint was asked for "gpt-4\.1-mini"/,
    );
    expect(versions('openai/gpt-4o')[0]?.message).toMatch(/run\.started logs model "openai\/gpt-4o"/);
    expect(versions('gpt-4.1-mini', 'gpt-4.1')[0]?.message).toMatch(
      /model\.called logs model "gpt-4\.1", which the model endpoint was never asked for/,
    );
    expect(versions('gpt-4.1-mini-2025', 'gpt-4.1-mini').map((f) => f.status)).toEqual(['fail']);
  });
});

describe('accepted forms: times', () => {
  it.each([
    ['2026-12-01T10:00:00Z', '2026-12-01T10:00:00Z'],
    ['2026-12-01T10:00:00.1Z', '2026-12-01T10:00:00.1Z'],
    ['2026-12-01T10:00:00.12Z', '2026-12-01T10:00:00.12Z'],
    ['2026-12-01T10:00:00.123Z', '2026-12-01T10:00:00.123Z'],
    ['2026-12-01T10:00:00.123456Z', '2026-12-01T10:00:00.123Z'],
    ['2026-12-01T10:00:00.123456789Z', '2026-12-01T10:00:00.123Z'],
    ['2026-12-01T10:00:00.999999999+00:00', '2026-12-01T10:00:00.999Z'],
    ['2026-12-01t10:00:00.5z', '2026-12-01T10:00:00.5Z'],
    ['2026-12-01 10:00:00.123+00:00', '2026-12-01T10:00:00.123Z'],
    ['2026-12-01T12:00:00.123+02:00', '2026-12-01T10:00:00.123Z'],
    ['2026-12-01T04:30:00.123-05:30', '2026-12-01T10:00:00.123Z'],
    ['2026-12-01T10:00:00.123-00:00', '2026-12-01T10:00:00.123Z'],
    ['2026-12-01T12:00:00.123456+0200', '2026-12-01T10:00:00.123Z'],
    ['2026-12-02T01:00:00+15:00', '2026-12-01T10:00:00Z'],
    ['2026-12-01T00:30:00-09:30', '2026-12-01T10:00:00Z'],
    ['2016-12-31T23:59:60Z', '2017-01-01T00:00:00Z'],
  ])('%s is the instant %s', (text, utc) => {
    expect(normaliseTime(text)).toBe(utc);
    expect(record({ type: 'escalated', reason: 'r', target: 't', ts: text }).ts).toBe(utc);
  });

  it.each([
    '2026-12-01T10:00:00',
    '2026-12-01T10:00:00.123',
    '2026-12-01',
    '2026-13-01T10:00:00Z',
    '2026-02-30T10:00:00Z',
    '2026-12-01T24:00:00Z',
    '2026-12-01T10:00:00+25:00',
    '1733047200',
    'yesterday',
  ])('refuses %s, saying what a time must be', (text) => {
    expect(normaliseTime(text)).toBeUndefined();
    expect(problem({ type: 'escalated', reason: 'r', target: 't', ts: text })).toMatch(/^ts: .* is not an RFC 3339 time with a time zone/);
  });

  it('compares times by their instant: a tool.executed in +02:00 with microseconds pairs with its request', () => {
    const s = honest();
    for (const line of s.lines) {
      for (const field of ['ts', 'started_at', 'ended_at']) {
        const value = line[field];
        if (typeof value !== 'string') continue;
        const d = new Date(Date.parse(value) + 2 * 3600_000).toISOString();
        line[field] = `${d.slice(0, 23)}456+02:00`;
      }
    }
    expect(auditToolCallsCheck.run(s.context(['audit.tool-calls'])).filter((f) => f.status === 'fail')).toEqual([]);
  });
});

describe('accepted forms: external_ids, numbers, approvals, ids', () => {
  const executed = {
    type: 'tool.executed',
    call_id: 'c1',
    tool: 'create_pr',
    args: {},
    started_at: base.ts,
    ended_at: base.ts,
    status: 'ok',
    result: {},
  };

  it('reads external_ids as strings, numbers, {url, id} objects, mixed, one alone, or none', () => {
    const ids = (value: unknown) => record({ ...executed, external_ids: value }).external_ids;
    expect(ids(['PR_1', 'https://x/pr/1'])).toEqual(['PR_1', 'https://x/pr/1']);
    expect(ids([{ id: 'PR_1', url: 'https://x/pr/1' }])).toEqual(['PR_1', 'https://x/pr/1']);
    expect(ids([{ url: 'https://x/pr/1' }, 'PR_2', { id: 42 }, 7])).toEqual(['https://x/pr/1', 'PR_2', '42', '7']);
    expect(ids('PR_1')).toEqual(['PR_1']);
    expect(ids({ id: 'PR_1' })).toEqual(['PR_1']);
    expect(ids(null)).toEqual([]);
    expect(ids(undefined)).toEqual([]);
    expect(problem({ ...executed, external_ids: ['PR_1', { number: 1 }] })).toBe(
      'external_ids.1: an external id is a string, or an object with a "url" and/or an "id"',
    );
  });

  it('reads token counts and budget numbers written as numeric strings; token counts may be null or absent', () => {
    const r = record({ ...called, model: 'm', input_tokens: '120', output_tokens: ' 7 ' });
    expect([r.input_tokens, r.output_tokens]).toEqual([120, 7]);
    const none = record({ type: 'model.called', model: 'm', started_at: base.ts, ended_at: base.ts, input_tokens: null });
    expect([none.input_tokens, none.output_tokens]).toEqual([null, null]);
    const b = record({ type: 'budget.exceeded', budget: 'tool_calls', limit: '12', used: '13' });
    expect([b.limit, b.used]).toEqual([12, 13]);
    expect(problem({ ...called, model: 'm', input_tokens: 'many' })).toMatch(/^input_tokens: /);
    expect(problem({ ...called, model: 'm', input_tokens: -1 })).toMatch(/^input_tokens: /);
  });

  it('reads an approval.decided with approver and decided_at absent or null as null', () => {
    const r = record({ type: 'approval.decided', approval_id: 'apr_1', decision: 'expired' });
    expect([r.approver, r.decided_at]).toEqual([null, null]);
    const t = record({
      type: 'approval.decided',
      approval_id: 'apr_1',
      decision: 'approved',
      approver: 'jdoe',
      decided_at: '2026-12-01T11:00:00+01:00',
    });
    expect([t.approver, t.decided_at]).toEqual(['jdoe', '2026-12-01T10:00:00Z']);
  });

  it('reads a numeric run_id and instructions_version as their decimal text; keeps extra fields', () => {
    const r = record({ ...started, run_id: 42, instructions_version: 3, model: 'm', extra: { a: 1 } });
    expect([r.run_id, r.instructions_version, r.extra]).toEqual(['42', '3', { a: 1 }]);
  });
});

describe("accepted forms: records of the agent's own types", () => {
  const text = (records: Record<string, unknown>[]) => records.map((r) => JSON.stringify({ ...base, ...r })).join('\n');

  it('sets aside records of types the contract does not define, anywhere in the audit', () => {
    const s = honest();
    const lines = s.lines.map((l) => JSON.stringify(l));
    lines.splice(0, 0, JSON.stringify({ ...base, type: 'agent.step', step: 0 }));
    lines.splice(3, 0, JSON.stringify({ type: 'log', message: 'no envelope at all' }));
    lines.push(JSON.stringify({ ...base, type: 'memory.updated' }));
    const audit = parseAudit(lines.join('\n'));
    expect(audit.ownRecords).toEqual([
      { line: 1, type: 'agent.step' },
      { line: 4, type: 'log' },
      { line: lines.length, type: 'memory.updated' },
    ]);
    expect(audit.lines.every((l) => l.ok)).toBe(true);
    const ctx = { ...s.context(['audit.integrity', 'audit.tool-calls']), audit };
    expect(auditToolCallsCheck.run(ctx).filter((f) => f.status === 'fail')).toEqual([]);
  });

  it('refuses a misspelt contract type, naming the types there are', () => {
    const audit = parseAudit(text([{ type: 'tool.execute' }, { type: 'Run.Started' }, {}]));
    const problems = audit.lines.map((l) => (l.ok ? 'ok' : l.problem));
    expect(problems[0]).toMatch(
      /^type "tool\.execute" is not a contract record type \(run\.started, model\.called, .*e\.g\. "agent\.step"$/,
    );
    expect(problems[1]).toMatch(/^type "Run\.Started" is not a contract record type/);
    expect(problems[2]).toMatch(/^the record has no type \(run\.started, /);
    expect(audit.ownRecords).toBeUndefined();
  });
});

describe('accepted forms on the OTLP channel', () => {
  const s = (key: string, value: string) => ({ key, value: { stringValue: value } });
  const ns = (ms: number) => String(BigInt(Date.parse('2026-12-01T10:00:00.000Z') + ms) * 1_000_000n);

  it('takes the provider from gen_ai.system, or none, external_ids as JSON text, and tools.listed from an event', () => {
    const body = {
      resourceSpans: [
        {
          resource: { attributes: [s('service.name', 'bot')] },
          scopeSpans: [
            {
              spans: [
                {
                  traceId: 't1',
                  spanId: 'root',
                  name: 'invoke_agent bot',
                  startTimeUnixNano: ns(0),
                  endTimeUnixNano: ns(100),
                  attributes: [
                    s('agent_chaos.run_id', 'run_1'),
                    s('agent_chaos.trigger_id', 'TCK-1'),
                    s('agent_chaos.trigger_source', 'helpdesk'),
                    s('gen_ai.request.model', 'gpt-4.1-mini'),
                    s('agent_chaos.instructions_version', 'v1'),
                    s('agent_chaos.tool_schema_version', 's1'),
                  ],
                  events: [
                    {
                      timeUnixNano: ns(50),
                      name: 'agent_chaos.tools.listed',
                      attributes: [s('agent_chaos.tool_schema_version', 's2'), s('agent_chaos.previous_schema_version', 's1')],
                    },
                  ],
                },
                {
                  traceId: 't1',
                  spanId: 'chat',
                  parentSpanId: 'root',
                  name: 'chat gpt-4.1-mini',
                  startTimeUnixNano: ns(10),
                  endTimeUnixNano: ns(20),
                  attributes: [s('gen_ai.system', 'openai'), s('gen_ai.request.model', 'gpt-4.1-mini')],
                },
                {
                  traceId: 't1',
                  spanId: 'tool',
                  parentSpanId: 'root',
                  name: 'execute_tool create_pr',
                  startTimeUnixNano: ns(30),
                  endTimeUnixNano: ns(40),
                  attributes: [
                    s('gen_ai.tool.call.id', 'c1'),
                    s('gen_ai.tool.name', 'create_pr'),
                    s('gen_ai.tool.call.arguments', '{}'),
                    s('agent_chaos.external_ids', '[{"id":"PR_1","url":"https://x/pr/1"}]'),
                  ],
                },
              ],
            },
          ],
        },
      ],
    };
    const audit = auditFromOtlp([{ seq: 0, body }]);
    expect(audit.lines.filter((l) => !l.ok)).toEqual([]);
    const [runStarted, chat, tool] = audit.records as Record<string, unknown>[];
    expect(runStarted?.model).toEqual({ name: 'gpt-4.1-mini' });
    expect(chat?.model).toEqual({ provider: 'openai', name: 'gpt-4.1-mini' });
    expect(chat?.input_tokens).toBeNull();
    expect(tool?.external_ids).toEqual(['PR_1', 'https://x/pr/1']);
    expect(audit.records.find((r) => r.type === 'tools.listed')).toMatchObject({
      tool_schema_version: 's2',
      previous_schema_version: 's1',
    });
  });
});
