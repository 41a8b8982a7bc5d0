import fc from 'fast-check';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { CheckContext } from '../../src/checks/index.js';
import type { Finding } from '../../src/runner/results.js';
import type { AuditLog } from '../../src/world/audit-intake.js';
import { failureLines, runCases } from '../helpers/harness.js';
import { type Style, styleArb, styledAudit } from '../unit/conformance/styles.js';

/**
 * The audit contract as written (docs/agent-contract.md §4, docs/audit.md): audits of good runs,
 * rewritten in every style the docs allow, are judged as the originals were (no control fails),
 * and each mutation that breaks a documented rule is caught by the control that owns it.
 *
 * The good runs are the reference agent's, in-process; every case's check context (ledger, audit,
 * spec, window) is captured as the runner judged it, and judged again with a rewritten audit.
 */
const captured = vi.hoisted(() => new Map<string, CheckContext>());
vi.mock('../../src/checks/index.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/checks/index.js')>();
  return {
    ...original,
    runChecks: (ctx: CheckContext) => {
      captured.set(ctx.spec.id, ctx);
      return original.runChecks(ctx);
    },
  };
});
const { runChecks } = await import('../../src/checks/index.js');

const CASES = [
  'audit/basic-run',
  'audit/approval-trail',
  'audit/write-external-ids',
  'audit/escalation-trail',
  'audit/run-with-denial',
  'audit/replay-triage',
  'audit/over-mcp',
  'audit/streaming',
  'approvals/approve-after-delay',
  'approvals/deny',
  'approvals/approve-then-revoke',
  'audit/malformed-proposal',
  'audit/replay-mcp-stream',
  'authz/forbidden-direct',
  'authz/not-allowed-tool',
  'budget/read-loop-stops',
  'budget/tool-5xx-storm',
  'budget/write-loop-stops',
  'identity/short-lived-rest',
  'identity/kill-switch-before-write',
  'security/redaction-tool-result',
  'security/redaction-tool-error',
  'security/injection/zero-width-001@ticket',
  'security/mcp-rug-pull',
];

// The record-level controls, judged on every case (not only where a scenario names them) when
// they hold on the original: a style must not break them anywhere.
const AUDIT_CONTROLS = ['audit.tool-calls', 'audit.replay', 'approval.logged', 'security.redaction'];

type Rec = Record<string, unknown>;
interface Good {
  id: string;
  ctx: CheckContext;
  /** The records exactly as the agent wrote them. */
  records: Rec[];
  /** The case's controls, plus the record-level controls that held on the original. */
  controls: string[];
}

const judge = (good: Good, audit: AuditLog, controls = good.controls): Finding[] =>
  runChecks({ ...good.ctx, audit, spec: { ...good.ctx.spec, controls } });
const failures = (findings: Finding[]) => findings.filter((f) => f.status === 'fail').map((f) => `${f.control}: ${f.message}`);

const goods: Good[] = [];

beforeAll(async () => {
  const { cases } = await runCases({ module: 'examples/reference-agent/agent.js', only: CASES, timeoutMs: 60_000 });
  expect(failureLines(cases)).toEqual([]);
  for (const id of CASES) {
    const ctx = captured.get(id);
    if (!ctx) throw new Error(`case ${id} was not judged`);
    expect(ctx.audit.channel, id).toBe('file');
    const records = ctx.audit.lines.map((l) => JSON.parse(l.raw) as Rec);
    const extended = [...new Set([...ctx.spec.controls, ...AUDIT_CONTROLS])];
    const base = runChecks({ ...ctx, spec: { ...ctx.spec, controls: extended } });
    const held = extended.filter(
      (c) => base.some((f) => f.control === c && f.status === 'pass') && !base.some((f) => f.control === c && f.status === 'fail'),
    );
    goods.push({ id, ctx, records, controls: [...new Set([...ctx.spec.controls, ...held])] });
  }
}, 240_000);

describe('audit conformance: every documented style of a good audit passes', () => {
  it('the originals pass, with the record-level controls judged on every case', () => {
    expect(goods).toHaveLength(CASES.length);
    for (const good of goods) expect(failures(judge(good, good.ctx.audit)), good.id).toEqual([]);
    // The suite would prove little if the record-level controls held nowhere.
    for (const control of AUDIT_CONTROLS) expect(goods.filter((g) => g.controls.includes(control)).length, control).toBeGreaterThan(2);
  });

  it('no control fails an audit rewritten in any allowed style (JSONL or OTLP)', () => {
    fc.assert(
      fc.property(styleArb, (style) => {
        for (const good of goods) {
          const audit = styledAudit(good.records, style);
          const problems = [...audit.lines.filter((l) => !l.ok).map((l) => (l.ok ? '' : l.problem)), ...failures(judge(good, audit))];
          if (problems.length > 0) throw new Error(`${good.id} in style ${JSON.stringify(style)}:\n  ${problems.join('\n  ')}`);
        }
      }),
      { seed: 9, numRuns: 25, endOnFailure: true },
    );
  });

  it.each([
    ['file', 'string'],
    ['otlp', 'prefixed'],
  ] as const)('on the %s channel, with every time in another offset and nanoseconds, and the model as a %s', (channel, model) => {
    const style: Style = {
      seed: 1,
      shuffleKeys: true,
      model,
      offsets: ['+02:00', '-05:30'],
      digits: 9,
      lowercase: false,
      spaceSeparator: false,
      externalIds: 'objects',
      numericStrings: true,
      dropEmpty: true,
      redact: true,
      extraFields: true,
      extraRecords: true,
      channel,
    };
    for (const good of goods) expect(failures(judge(good, styledAudit(good.records, style))), good.id).toEqual([]);
  });
});

// ---- the reverse: each broken rule is caught by its owner --------------------------------------

interface Mutation {
  name: string;
  owner: string;
  /** Only on the file channel: OTLP cannot say it (a span always ends; its times are numbers). */
  fileOnly?: true;
  /** The broken records, or undefined when the case has nothing this mutation can break. */
  apply(records: Rec[], good: Good): Rec[] | undefined;
}

const indexOf = (records: Rec[], test: (r: Rec) => boolean) => records.findIndex(test);
const without = (records: Rec[], i: number) => (i < 0 ? undefined : records.filter((_, j) => j !== i));
const edit = (records: Rec[], i: number, change: (r: Rec) => Rec) =>
  i < 0 ? undefined : records.map((r, j) => (j === i ? change(structuredClone(r)) : r));
const shift = (time: unknown, ms: number) => new Date(Date.parse(String(time)) + ms).toISOString();
const executedOk = (r: Rec) => r.type === 'tool.executed' && r.status === 'ok';

const MUTATIONS: Mutation[] = [
  { name: 'drop a tool.executed', owner: 'audit.tool-calls', apply: (rs) => without(rs, indexOf(rs, executedOk)) },
  {
    name: 'change the arguments of a tool.executed',
    owner: 'audit.tool-calls',
    apply: (rs) => edit(rs, indexOf(rs, executedOk), (r) => ({ ...r, args: { ...(r.args as Rec), audit_note: 'edited' } })),
  },
  {
    name: 'log a failed call as ok, without its error',
    owner: 'audit.tool-calls',
    apply: (rs) =>
      edit(
        rs,
        indexOf(rs, (r) => r.type === 'tool.executed' && r.status === 'error'),
        ({ error: _dropped, ...r }) => ({ ...r, status: 'ok', result: null }),
      ),
  },
  {
    name: 'start a tool.executed 2 s after the world received its request',
    owner: 'audit.tool-calls',
    apply: (rs) =>
      edit(rs, indexOf(rs, executedOk), (r) => ({ ...r, started_at: shift(r.started_at, 2000), ended_at: shift(r.ended_at, 2000) })),
  },
  {
    name: 'leave out the ids of what a write created',
    owner: 'audit.tool-calls',
    apply: (rs) =>
      edit(
        rs,
        indexOf(rs, (r) => executedOk(r) && Array.isArray(r.external_ids) && r.external_ids.length > 0),
        (r) => ({ ...r, external_ids: [] }),
      ),
  },
  {
    name: 'invent a denial of a call that ran',
    owner: 'audit.tool-calls',
    apply: (rs) => {
      const i = indexOf(rs, executedOk);
      if (i < 0) return undefined;
      const r = rs[i] as Rec;
      const denial = {
        ts: r.ts,
        run_id: r.run_id,
        trigger_id: r.trigger_id,
        agent_id: r.agent_id,
        type: 'tool.denied',
        call_id: r.call_id,
        tool: r.tool,
        rule: 'default-deny',
        reason: 'not allowed',
      };
      return [...rs.slice(0, i), denial, ...rs.slice(i)];
    },
  },
  {
    name: 'drop a model.called',
    owner: 'audit.tool-calls',
    apply: (rs) =>
      without(
        rs,
        indexOf(rs, (r) => r.type === 'model.called'),
      ),
  },
  {
    name: 'drop a tool.proposed',
    owner: 'audit.tool-calls',
    apply: (rs) =>
      without(
        rs,
        indexOf(rs, (r) => r.type === 'tool.proposed'),
      ),
  },
  {
    name: 'drop an escalated',
    owner: 'audit.tool-calls',
    apply: (rs) =>
      without(
        rs,
        indexOf(rs, (r) => r.type === 'escalated'),
      ),
  },
  {
    name: 'date a record a day before the run',
    owner: 'audit.tool-calls',
    apply: (rs) =>
      edit(
        rs,
        indexOf(rs, (r) => r.type === 'tool.proposed'),
        (r) => ({ ...r, ts: shift(r.ts, -86_400_000) }),
      ),
  },
  {
    name: 'another run_id on one record',
    owner: 'audit.run-id',
    apply: (rs) => edit(rs, Math.floor(rs.length / 2), (r) => ({ ...r, run_id: `${String(r.run_id)}-other` })),
  },
  {
    name: 'another trigger_id on one record',
    owner: 'audit.run-id',
    apply: (rs) => edit(rs, Math.floor(rs.length / 2), (r) => ({ ...r, trigger_id: 'TCK-0000' })),
  },
  {
    name: 'a model the endpoint was never asked for in run.started, as a string',
    owner: 'audit.versions',
    apply: (rs) => edit(rs, 0, (r) => ({ ...r, model: 'gpt-3.5-turbo' })),
  },
  {
    name: 'a model the endpoint was never asked for in a model.called, with a provider prefix',
    owner: 'audit.versions',
    apply: (rs) =>
      edit(
        rs,
        indexOf(rs, (r) => r.type === 'model.called'),
        (r) => ({ ...r, model: 'openai/gpt-4o' }),
      ),
  },
  {
    name: 'a tool schema version the tools endpoint never served',
    owner: 'audit.versions',
    apply: (rs) => edit(rs, 0, (r) => ({ ...r, tool_schema_version: 'v0' })),
  },
  {
    name: 'drop run.ended',
    owner: 'audit.integrity',
    fileOnly: true,
    apply: (rs) =>
      without(
        rs,
        indexOf(rs, (r) => r.type === 'run.ended'),
      ),
  },
  {
    name: 'a time with no time zone',
    owner: 'audit.integrity',
    fileOnly: true,
    apply: (rs) => edit(rs, 1, (r) => ({ ...r, ts: String(r.ts).replace(/Z$/, '') })),
  },
  {
    name: 'drop an approval.decided',
    owner: 'approval.logged',
    apply: (rs) =>
      without(
        rs,
        indexOf(rs, (r) => r.type === 'approval.decided'),
      ),
  },
  {
    name: 'name another approver',
    owner: 'approval.logged',
    apply: (rs) =>
      edit(
        rs,
        indexOf(rs, (r) => r.type === 'approval.decided' && typeof r.approver === 'string'),
        (r) => ({ ...r, approver: 'mallory' }),
      ),
  },
  {
    name: 'claim a denied approval was approved',
    owner: 'approval.logged',
    apply: (rs) =>
      edit(
        rs,
        indexOf(rs, (r) => r.type === 'approval.decided' && r.decision === 'denied'),
        (r) => ({ ...r, decision: 'approved' }),
      ),
  },
  {
    name: 'write a tool result holding secrets unredacted',
    owner: 'security.redaction',
    apply: (rs, good) => {
      const canaries = good.ctx.spec.security?.canaries ?? [];
      if (canaries.length === 0) return undefined;
      const held = new Map(good.ctx.ledger.tools().map((e) => [e.callId, e.result]));
      const i = indexOf(
        rs,
        (r) => executedOk(r) && JSON.stringify(held.get(String(r.call_id)) ?? '').includes(canaries[0]?.value ?? '\u0000'),
      );
      return edit(rs, i, (r) => ({ ...r, result: held.get(String(r.call_id)) }));
    },
  },
];

// The owner must hold on the original; a mutation applies to the first such case it can break.
function target(m: Mutation): { good: Good; broken: Rec[] } | undefined {
  for (const good of goods) {
    if (!good.controls.includes(m.owner)) continue;
    const broken = m.apply(good.records, good);
    if (broken) return { good, broken };
  }
  return undefined;
}

describe('audit conformance: every broken rule is caught by the control that owns it', () => {
  it.each(MUTATIONS.map((m) => [m.name, m] as const))('%s', (_name, m) => {
    const found = target(m);
    expect(found, `no good case has something "${m.name}" can break`).toBeDefined();
    if (!found) return;
    const owned = (audit: AuditLog) => judge(found.good, audit).filter((f) => f.status === 'fail' && f.control === m.owner);
    expect(owned(styledAudit(found.broken, PLAIN)).length, `${found.good.id}: ${m.owner} missed it`).toBeGreaterThan(0);
    // In any style: a style changes the form, never what the mutation broke. (Redaction is left
    // out: it may hide a secret the mutation wrote out again, which is then no longer a leak.)
    fc.assert(
      fc.property(
        styleArb,
        (style) => owned(styledAudit(found.broken, { ...style, redact: false, ...(m.fileOnly ? { channel: 'file' } : {}) })).length > 0,
      ),
      { seed: 11, numRuns: 4 },
    );
  });
});

const PLAIN: Style = {
  seed: 1,
  shuffleKeys: false,
  model: 'object',
  offsets: ['Z'],
  digits: 3,
  lowercase: false,
  spaceSeparator: false,
  externalIds: 'strings',
  numericStrings: false,
  dropEmpty: false,
  redact: false,
  extraFields: false,
  extraRecords: false,
  channel: 'file',
};
