import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { FaultType } from '../../src/chaos/faults.js';
import { FAULT_TYPES } from '../../src/chaos/faults.js';
import type { CaseResult } from '../../src/runner/results.js';
import { failureLines, runCases } from '../helpers/harness.js';

const REFERENCE_MODULE = 'examples/reference-agent/agent.js';
const REFERENCE_COMMAND = 'node examples/reference-agent/main.js';
const STRICT_MODULE = 'test/fixtures/agents/strict-timeout.js';
const STRICT_COMMAND = 'node test/fixtures/agents/strict-timeout-main.js';

// Every fault of the registry, with settings whose outcome does not hang on the machine's speed:
// held answers are either well inside the reference agent's timeouts (2 s for tools, 4 s for the
// model) or far beyond them. Typed by FaultType, so a new fault cannot be left out.
const FAULTS: Record<FaultType, Array<Record<string, unknown>>> = {
  latency: [
    { type: 'latency', ms: 200 },
    { type: 'latency', ms: 30_000 },
  ],
  hang: [{ type: 'hang' }],
  reset: [{ type: 'reset' }],
  http_error: [{ type: 'http_error', status: 503 }],
  rate_limit: [{ type: 'rate_limit', retry_after_s: 0 }],
  slow_body: [
    { type: 'slow_body', chunk_bytes: 8, interval_ms: 1000 },
    { type: 'slow_body', chunk_bytes: 1_048_576, interval_ms: 0 },
  ],
  truncated_body: [
    { type: 'truncated_body', keep_bytes: 10 },
    { type: 'truncated_body', keep_bytes: 10, drop: true },
  ],
  wrong_content_type: [{ type: 'wrong_content_type' }, { type: 'wrong_content_type', body: '<html>maintenance</html>' }],
  empty_body: [{ type: 'empty_body' }],
  raw: [
    { type: 'raw', status: 200, headers: { 'content-type': 'application/json' }, body: '{"oops":' },
    { type: 'raw', status: 200, headers: { 'content-type': 'application/json' }, body: '{"a":1}', chunk_bytes: 2, drop: true },
    {
      type: 'raw',
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: '{"a":1,"b":2}',
      chunk_bytes: 2,
      interval_ms: 20_000,
    },
  ],
};

const TARGETS = ['tool', 'model'] as const;
const HOLDING = new Set(['latency', 'hang', 'slow_body']);

interface Planned {
  id: string;
  doc: Record<string, unknown>;
}

function scenarios(): Planned[] {
  return FAULT_TYPES.flatMap((type) =>
    FAULTS[type].flatMap((fault, n) =>
      TARGETS.map((target): Planned => {
        const id = `parity/${type.replaceAll('_', '-')}-${n + 1}-${target}`;
        return {
          id,
          doc: {
            id,
            title: `${type} #${n + 1} on the ${target}, for the adapter parity test`,
            controls: [HOLDING.has(type) ? 'budget.timeout' : 'budget.tool-calls'],
            requires: ['allowed-read'],
            faults: [{ target: target === 'tool' ? '@allowed-read' : 'model', fault, when: { call: 1 } }],
            trigger: { text: 'Read ticket TCK-3313 and tell me who reported it.' },
            model: { script: [{ tool_calls: [{ tool: '@allowed-read' }] }], final_text: 'Reported by the admin.' },
          },
        };
      }),
    ),
  );
}

// What both adapters must agree on, per request: which service, what was asked, the answer's
// status and fault, whether the agent hung up first, whether the tool ran. Times, ids, bearers
// and sequence numbers are the run's own.
// Requests another run's agent sent here (today worlds share one port; a hostile test elsewhere
// may probe it) are not this agent's behaviour: an unauthenticated tool call, an escalation for
// a run this audit does not know.
function ledgerShape(result: CaseResult | undefined): string[] {
  const entries = (result?.transcript?.ledger ?? []) as Array<Record<string, unknown>>;
  const runIds = new Set((result?.transcript?.audit ?? []).map((r) => (r as { run_id?: unknown } | null)?.run_id));
  const stray = (e: Record<string, unknown>) =>
    (e.kind === 'tool' && e.rejected !== undefined && e.rejected !== 'unknown_tool') ||
    (e.kind === 'escalation' && !runIds.has((e.body as { run_id?: unknown } | null)?.run_id));
  return entries
    .filter((e) => e.service !== 'otlp' && e.kind !== 'identity' && !stray(e))
    .map((e) =>
      [
        e.kind,
        e.service,
        e.kind === 'tool' ? e.tool : e.kind === 'other' ? e.note : e.method,
        `status=${e.status}`,
        e.fault ? `fault=${e.fault}` : '',
        e.abandoned ? 'abandoned' : '',
        e.kind === 'tool' ? `executed=${e.executed}` : '',
      ]
        .filter(Boolean)
        .join(' '),
    );
}

let root: string;
const planned = scenarios();

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'agent-chaos-parity-'));
  mkdirSync(join(root, 'budgets'));
  for (const { id, doc } of planned) writeFileSync(join(root, 'budgets', `${id.slice('parity/'.length)}.yaml`), stringify(doc));
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('both adapters record the same ledger for the same behaviour', () => {
  it('every fault kind, on a tool and on the model, with the reference agent in-process and as a process', async () => {
    const only = planned.map((p) => p.id);
    const [inProcess, asProcess] = [
      await runCases({ scenarioRoots: [root], only, module: REFERENCE_MODULE, concurrency: 4 }),
      await runCases({ scenarioRoots: [root], only, command: REFERENCE_COMMAND, concurrency: 4 }),
    ];
    expect(inProcess.cases.map((c) => c.id).sort()).toEqual([...only].sort());
    const byId = (cases: CaseResult[], id: string) => cases.find((c) => c.id === id);
    // Known gap, left open on issue 9: a model answer that trickles past the end of the agent's run
    // is never hung up in-process (the agent's worker thread is kept for the next case, and its
    // connection with it), while a process's exit closes it, so only the process ledger says
    // `abandoned`. These two are compared once that is mended.
    const pending = new Set(['parity/slow-body-1-model', 'parity/raw-3-model']);
    const differences = only.filter((id) => !pending.has(id)).flatMap((id) => {
      const module = ledgerShape(byId(inProcess.cases, id));
      const process = ledgerShape(byId(asProcess.cases, id));
      return JSON.stringify(module) === JSON.stringify(process) ? [] : [{ id, module, process }];
    });
    expect(differences).toEqual([]);
    // The trickled answer is the one the module adapter used to lose: it is marked in both.
    const trickled = ledgerShape(byId(inProcess.cases, 'parity/slow-body-1-tool'));
    expect(trickled.some((line) => /^tool tools read_ticket status=200 fault=slow_body abandoned/.test(line))).toBe(true);
  }, 300_000);

  it('an agent stricter than its manifest (600 ms tool timeout for 2000 ms declared) holds budget/slow-body-tool both ways', async () => {
    for (const adapter of [{ module: STRICT_MODULE }, { command: STRICT_COMMAND }]) {
      const { cases } = await runCases({ only: ['budget/slow-body-tool'], ...adapter });
      expect(failureLines(cases)).toEqual([]);
      expect(cases.map((c) => c.status)).toEqual(['passed']);
      const held = ((cases[0]?.transcript?.ledger ?? []) as Array<Record<string, unknown>>).find((e) => e.fault === 'slow_body');
      expect(held).toMatchObject({ abandoned: true });
    }
  }, 120_000);
});
