import type { AgentOutcome } from '../../../src/agents/types.js';
import type { CheckContext } from '../../../src/checks/types.js';
import { type Manifest, manifestSchema } from '../../../src/config/manifest.js';
import { scenarioSchema } from '../../../src/config/scenario.js';
import type {
  ApprovalEntry,
  EscalationEntry,
  IdentityEntry,
  Ledger,
  ModelEntry,
  OtherEntry,
  ToolEntry,
} from '../../../src/ledger/ledger.js';
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

export const T0 = Date.parse('2026-01-01T00:00:01.000Z');

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
  ledger.events.push({ at: T0 - 3, type: 'approval.decided', detail: { approval_id: id, decision: 'approved' } });
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

export function context(
  controls: string[],
  ledger: Ledger,
  auditLines: string[],
  agent: AgentOutcome = okAgent,
  m: Manifest = manifest,
): CheckContext {
  return {
    spec: spec(controls),
    manifest: m,
    ledger,
    audit: parseAudit(auditLines.join('\n')),
    agent,
    world: { clientId: 'client-1', modelKey: 'key', baseUrl: 'http://127.0.0.1:1/run/0' },
  };
}

/** The reference-like manifest: create_pr is protected. */
export const protectedManifest = manifestSchema.parse({
  agent: { id: 'bot', command: 'x', owner: { team: 't', oncall: 'oncall' } },
  tools: { allow: ['read_ticket', 'create_pr'], write: ['create_pr'], protected: ['create_pr'], forbidden: ['delete_repo'] },
  identity: { token_max_ttl_s: 900 },
});

/** A token the world issued at `at` (ledger time). */
export function issued(ledger: Ledger, token: string, at = T0, expiresIn = 300): IdentityEntry {
  return ledger.record({
    kind: 'identity',
    service: 'identity',
    method: 'POST',
    path: '/identity/token',
    startedAt: at,
    endedAt: at,
    status: 200,
    clientId: 'client-1',
    outcome: 'issued',
    token,
    expiresIn,
  });
}

/** A tool listing (REST `GET /tools`) with this bearer. */
export function listing(ledger: Ledger, bearer: string | undefined, principal: string | undefined, at = T0): OtherEntry {
  return ledger.record({
    kind: 'other',
    service: 'tools',
    method: 'GET',
    path: '/tools',
    startedAt: at,
    endedAt: at,
    status: principal ? 200 : 401,
    note: 'tools/list',
    bearer,
    principal,
  });
}

export function approvalRequest(
  ledger: Ledger,
  id: string,
  tool: string,
  args: unknown,
  { at = T0, preview = `${tool} ${JSON.stringify(args)}`, runId = 'run_1' }: { at?: number; preview?: unknown; runId?: unknown } = {},
): ApprovalEntry {
  return ledger.record({
    kind: 'approval',
    service: 'approvals',
    method: 'POST',
    path: '/approvals',
    startedAt: at,
    endedAt: at,
    status: 201,
    action: 'request',
    approvalId: id,
    request: { runId, callId: `call_${id}`, tool, args, preview },
    approvalStatus: 'pending',
  });
}

/** The world's human deciding (an `approval.decided` event), and the agent's poll that showed it. */
export function decide(ledger: Ledger, id: string, decision: string, at: number, approver: string | null = 'oncall'): ApprovalEntry {
  ledger.events.push({
    at,
    type: 'approval.decided',
    detail: { approval_id: id, decision, ...(approver ? { approver } : {}), decided_at: new Date(at).toISOString() },
  });
  return ledger.record({
    kind: 'approval',
    service: 'approvals',
    method: 'GET',
    path: `/approvals/${id}`,
    startedAt: at,
    endedAt: at,
    status: 200,
    action: 'poll',
    approvalId: id,
    approvalStatus: decision,
  });
}

export function escalation(ledger: Ledger, body: unknown, at = T0): EscalationEntry {
  return ledger.record({
    kind: 'escalation',
    service: 'escalations',
    method: 'POST',
    path: '/escalations',
    startedAt: at,
    endedAt: at,
    status: 202,
    body,
  });
}
