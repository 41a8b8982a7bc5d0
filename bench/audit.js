// Audit checks at scale: a run of N records (model calls, proposals, tool calls) with a ledger
// that matches it, checked by every registered check on both channels (the JSONL file, and the
// same records as OTLP spans). `node bench/audit.js` after `npm run build`, or call benchAudit()
// from bench/run.js. Prints figures, asserts nothing: times vary with the machine.
import { pathToFileURL } from 'node:url';
import { runChecks } from '../dist/src/checks/index.js';
import { manifestSchema } from '../dist/src/config/manifest.js';
import { scenarioSchema } from '../dist/src/config/scenario.js';
import { Ledger } from '../dist/src/ledger/ledger.js';
import { parseAudit } from '../dist/src/world/audit-intake.js';
import { auditFromOtlp } from '../dist/src/world/otlp-audit.js';

const CONTROLS = ['audit.integrity', 'audit.run-id', 'audit.versions', 'audit.tool-calls', 'audit.replay'];
const T0 = Date.parse('2026-01-01T10:00:00.000Z');
const iso = (ms) => new Date(T0 + ms).toISOString();
const ns = (ms) => String(BigInt(T0 + ms) * 1_000_000n);

/** A ledger and its honest audit: per turn one model call proposing one read, and the read. */
function syntheticRun(records) {
  const turns = Math.max(1, Math.floor((records - 2) / 3));
  const ledger = new Ledger();
  const base = { run_id: 'run_bench', trigger_id: 'TCK-1', agent_id: 'bench-bot' };
  const lines = [];
  const spans = [];
  const events = [];
  // The agent's own token, issued by the world, so the identity invariants hold too.
  ledger.record({
    kind: 'identity',
    service: 'identity',
    method: 'POST',
    path: '/identity/token',
    startedAt: T0 - 2,
    endedAt: T0 - 1,
    status: 200,
    clientId: 'c',
    outcome: 'issued',
    token: 'tok',
    expiresIn: 86_400,
  });
  ledger.record({
    kind: 'other',
    service: 'tools',
    method: 'GET',
    path: '/tools',
    startedAt: T0,
    endedAt: T0 + 1,
    status: 200,
    note: 'tools/list',
    schemaVersion: 's1',
  });
  lines.push({
    ts: iso(2),
    ...base,
    type: 'run.started',
    model: { provider: 'openai', name: 'gpt-4.1-mini' },
    instructions_version: 'v1',
    tool_schema_version: 's1',
    trigger: { id: 'TCK-1', source: 'helpdesk' },
  });
  for (let i = 0; i < turns; i++) {
    const at = 10 + i * 10;
    const call = { id: `call_${i}`, name: 'read_ticket', args: { ticket_id: `TCK-${i}` } };
    ledger.record({
      kind: 'model',
      service: 'model',
      method: 'POST',
      path: '/v1/chat/completions',
      startedAt: T0 + at,
      endedAt: T0 + at + 2,
      status: 200,
      api: 'chat',
      stream: false,
      model: 'gpt-4.1-mini',
      turn: i,
      proposed: [{ ...call, rawArgs: JSON.stringify(call.args) }],
      text: undefined,
      usage: { input_tokens: 10, output_tokens: 5 },
      inputText: '',
    });
    ledger.record({
      kind: 'tool',
      service: 'tools',
      method: 'POST',
      path: '/tools/read_ticket',
      startedAt: T0 + at + 5,
      endedAt: T0 + at + 7,
      status: 200,
      transport: 'rest',
      tool: call.name,
      args: call.args,
      bearer: 'tok',
      principal: 'c',
      effect: 'read',
      executed: true,
      callId: call.id,
      callIdSource: 'sent',
      result: { ok: true },
      externalIds: [],
    });
    const model = { provider: 'openai', name: 'gpt-4.1-mini' };
    lines.push({
      ts: iso(at + 3),
      ...base,
      type: 'model.called',
      model,
      started_at: iso(at - 1),
      ended_at: iso(at + 3),
      input_tokens: 10,
      output_tokens: 5,
    });
    lines.push({ ts: iso(at + 4), ...base, type: 'tool.proposed', call_id: call.id, tool: call.name, args: call.args });
    lines.push({
      ts: iso(at + 8),
      ...base,
      type: 'tool.executed',
      call_id: call.id,
      tool: call.name,
      args: call.args,
      started_at: iso(at + 4),
      ended_at: iso(at + 8),
      status: 'ok',
      result: { ok: true },
      external_ids: [],
    });
    const kv = (key, value) => ({ key, value: typeof value === 'number' ? { intValue: String(value) } : { stringValue: value } });
    spans.push({
      traceId: 't',
      spanId: `m${i}`,
      parentSpanId: 'root',
      name: 'chat gpt-4.1-mini',
      startTimeUnixNano: ns(at - 1),
      endTimeUnixNano: ns(at + 3),
      attributes: [
        kv('gen_ai.operation.name', 'chat'),
        kv('gen_ai.provider.name', 'openai'),
        kv('gen_ai.request.model', 'gpt-4.1-mini'),
        kv('gen_ai.usage.input_tokens', 10),
        kv('gen_ai.usage.output_tokens', 5),
      ],
    });
    events.push({
      timeUnixNano: ns(at + 4),
      name: 'agent_chaos.tool.proposed',
      attributes: [
        kv('gen_ai.tool.call.id', call.id),
        kv('gen_ai.tool.name', call.name),
        kv('gen_ai.tool.call.arguments', JSON.stringify(call.args)),
      ],
    });
    spans.push({
      traceId: 't',
      spanId: `x${i}`,
      parentSpanId: 'root',
      name: 'execute_tool read_ticket',
      startTimeUnixNano: ns(at + 4),
      endTimeUnixNano: ns(at + 8),
      attributes: [
        kv('gen_ai.operation.name', 'execute_tool'),
        kv('gen_ai.tool.name', call.name),
        kv('gen_ai.tool.call.id', call.id),
        kv('gen_ai.tool.call.arguments', JSON.stringify(call.args)),
        kv('agent_chaos.status', 'ok'),
      ],
    });
  }
  const end = 10 + turns * 10;
  lines.push({ ts: iso(end), ...base, type: 'run.ended', status: 'completed', reason: 'completed' });
  const kv = (key, value) => ({ key, value: { stringValue: value } });
  spans.push({
    traceId: 't',
    spanId: 'root',
    name: 'invoke_agent bench-bot',
    startTimeUnixNano: ns(2),
    endTimeUnixNano: ns(end),
    events,
    attributes: [
      kv('gen_ai.operation.name', 'invoke_agent'),
      kv('gen_ai.agent.id', 'bench-bot'),
      kv('agent_chaos.run_id', 'run_bench'),
      kv('agent_chaos.trigger_id', 'TCK-1'),
      kv('agent_chaos.trigger_source', 'helpdesk'),
      kv('gen_ai.provider.name', 'openai'),
      kv('gen_ai.request.model', 'gpt-4.1-mini'),
      kv('agent_chaos.instructions_version', 'v1'),
      kv('agent_chaos.tool_schema_version', 's1'),
      kv('agent_chaos.status', 'completed'),
      kv('agent_chaos.reason', 'completed'),
    ],
  });
  const otlp = { resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ scope: { name: 'bench' }, spans }] }] };
  return { ledger, text: lines.map((l) => JSON.stringify(l)).join('\n'), otlp, records: lines.length, end };
}

function context(ledger, audit, end) {
  const manifest = manifestSchema.parse({ agent: { id: 'bench-bot', command: 'x' }, tools: { allow: ['read_ticket'] } });
  const scenario = scenarioSchema.parse({ id: 'audit/bench', title: 'bench', controls: CONTROLS });
  const spec = {
    index: 0,
    id: 'audit/bench',
    title: 'bench',
    pack: 'audit',
    controls: CONTROLS,
    seed: 1,
    scenario,
    trigger: { id: 'TCK-1', source: 'helpdesk', kind: 'ticket', received_at: iso(0), text: 't' },
    script: [],
    finalText: '',
    tools: [],
    hints: {},
    roles: {},
  };
  const agent = { output: '', stderr: '', exitCode: 0, signal: null, timedOut: false, crashed: false, durationMs: end };
  return {
    spec,
    manifest,
    ledger,
    audit,
    agent,
    world: { clientId: 'c', modelKey: 'k', baseUrl: 'http://127.0.0.1:1/run/0' },
    window: { startedAt: T0, endedAt: T0 + end + 10 },
  };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
// Wall time, and CPU time (what the work itself costs, when other jobs share the cores).
const time = (fn) => {
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  const out = fn();
  const cpu = process.cpuUsage(c0);
  return { out, ms: Number(process.hrtime.bigint() - t0) / 1e6, cpuMs: (cpu.user + cpu.system) / 1000 };
};

/**
 * Times reading and checking an audit of `records` records against its ledger, on both channels.
 * @returns {{ records: number, file: Figures, otlp: Figures }} medians over `rounds` (after one warm-up)
 * @typedef {{ readMs: number, checkMs: number, totalMs: number, cpuMs: number }} Figures
 */
export function benchAudit({ records = 10_000, rounds = 5 } = {}) {
  const run = syntheticRun(records);
  const measure = (read) => {
    const reads = [];
    const checks = [];
    const cpus = [];
    for (let r = 0; r <= rounds; r++) {
      const parsed = time(read);
      // A fresh ledger view per round: the matching is cached per audit object, so each round pays it.
      const checked = time(() => runChecks(context(run.ledger, parsed.out, run.end)));
      const failed = checked.out.filter((f) => f.status === 'fail');
      if (failed.length > 0) throw new Error(`bench audit is not honest: ${failed[0].control}: ${failed[0].message}`);
      if (r === 0) continue; // warm-up
      reads.push(parsed.ms);
      checks.push(checked.ms);
      cpus.push(parsed.cpuMs + checked.cpuMs);
    }
    const readMs = median(reads);
    const checkMs = median(checks);
    return { readMs, checkMs, totalMs: readMs + checkMs, cpuMs: median(cpus) };
  };
  return {
    records: run.records,
    file: measure(() => parseAudit(run.text)),
    otlp: measure(() => auditFromOtlp([{ seq: 0, body: run.otlp }])),
  };
}

export function printAudit(result) {
  const line = (name, m) =>
    `  ${name.padEnd(5)} read ${m.readMs.toFixed(1).padStart(6)} ms  check ${m.checkMs.toFixed(1).padStart(6)} ms  total ${m.totalMs.toFixed(1).padStart(6)} ms  cpu ${m.cpuMs.toFixed(1).padStart(6)} ms  (${((m.totalMs * 1000) / result.records).toFixed(1)} µs/record; ${(1000 / m.totalMs).toFixed(1)}× inside one second)`;
  console.log(`audit checks on ${result.records} records with a matching ledger (median of the rounds):`);
  console.log(line('file', result.file));
  console.log(line('otlp', result.otlp));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  printAudit(benchAudit({ records: Number(process.env.BENCH_AUDIT_RECORDS ?? 10_000) }));
}
