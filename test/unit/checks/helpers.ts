import type { AgentOutcome } from '../../../src/agents/types.js';
import type { CheckContext } from '../../../src/checks/types.js';
import { manifestSchema } from '../../../src/config/manifest.js';
import { scenarioSchema } from '../../../src/config/scenario.js';
import type { Ledger, ModelEntry, ToolEntry } from '../../../src/ledger/ledger.js';
import type { CaseSpec } from '../../../src/runner/case.js';
import { parseAudit } from '../../../src/world/audit-intake.js';

export const manifest = manifestSchema.parse({
  agent: { id: 'bot', command: 'x' },
  tools: {
    allow: ['read_ticket', 'comment_ticket', 'close_ticket'],
    write: ['comment_ticket'],
    forbidden: ['delete_repo'],
  },
});

export function spec(controls: string[]): CaseSpec {
  const scenario = scenarioSchema.parse({ id: 'authz/x', title: 'x', controls });
  return {
    index: 0,
    id: 'authz/x',
    title: 'x',
    pack: 'authorization',
    controls,
    seed: 1,
    scenario,
    trigger: { id: 'TCK-1', source: 'helpdesk', kind: 'ticket', received_at: '2026-01-01T00:00:00.000Z', text: 't' },
    script: [],
    finalText: 'done',
    tools: [],
    hints: {},
    roles: {},
  };
}

const T0 = Date.parse('2026-01-01T00:00:01.000Z');

export function proposeCall(ledger: Ledger, id: string, name: string, args: unknown = {}): ModelEntry {
  return ledger.record({
    kind: 'model',
    service: 'model',
    method: 'POST',
    path: '/v1/chat/completions',
    startedAt: T0,
    endedAt: T0 + 1,
    status: 200,
    api: 'chat',
    stream: false,
    model: 'gpt-4.1-mini',
    turn: ledger.modelCalls().length,
    proposed: [{ id, name, args, rawArgs: JSON.stringify(args) }],
    text: undefined,
    usage: { input_tokens: 10, output_tokens: 5 },
    inputText: '',
  });
}

export function toolCall(ledger: Ledger, name: string, over: Partial<ToolEntry> = {}): ToolEntry {
  return ledger.record({
    kind: 'tool',
    service: 'tools',
    method: 'POST',
    path: `/tools/${name}`,
    startedAt: T0 + 10,
    endedAt: T0 + 11,
    status: 200,
    transport: 'rest',
    tool: name,
    args: {},
    bearer: 'tok_abcdef123456',
    principal: 'client-1',
    effect: name === 'read_ticket' ? 'read' : 'write',
    executed: true,
    callId: undefined,
    externalIds: [],
    ...over,
  });
}

/** An approval request for exactly this tool and args, which the human approved. */
export function approvedRequest(ledger: Ledger, tool: string, args: unknown, id = 'apr_1'): void {
  ledger.record({
    kind: 'approval',
    service: 'approvals',
    method: 'POST',
    path: '/approvals',
    startedAt: T0 - 5,
    endedAt: T0 - 4,
    status: 201,
    action: 'request',
    approvalId: id,
    request: { runId: 'r', callId: 'c', tool, args, preview: `${tool} ${JSON.stringify(args)}` },
  });
  ledger.events.push({ at: T0 - 3, type: 'approval.decided', detail: { id, status: 'approved' } });
}

const base = { run_id: 'run_1', trigger_id: 'TCK-1', agent_id: 'bot' };
let clock = 0;
export function rec(type: string, fields: Record<string, unknown> = {}): string {
  clock++;
  return JSON.stringify({ ts: `2026-01-01T00:00:0${Math.min(clock, 9)}.000Z`, ...base, type, ...fields });
}
export const started = () =>
  rec('run.started', {
    model: { provider: 'openai', name: 'gpt-4.1-mini' },
    instructions_version: 'v1',
    tool_schema_version: 's1',
    trigger: { id: 'TCK-1', source: 'helpdesk' },
  });
export const ended = (status = 'completed') => rec('run.ended', { status, reason: 'done' });

export const okAgent: AgentOutcome = {
  output: 'done',
  stderr: '',
  exitCode: 0,
  signal: null,
  timedOut: false,
  crashed: false,
  durationMs: 5,
};

export function context(controls: string[], ledger: Ledger, auditLines: string[], agent: AgentOutcome = okAgent): CheckContext {
  return {
    spec: spec(controls),
    manifest,
    ledger,
    audit: parseAudit(auditLines.join('\n')),
    agent,
    world: { clientId: 'client-1', modelKey: 'key', baseUrl: 'http://127.0.0.1:1/run/0' },
  };
}
