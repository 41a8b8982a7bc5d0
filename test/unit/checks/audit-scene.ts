import type { CheckContext } from '../../../src/checks/types.js';
import { Ledger, type ModelEntry, type ToolEntry } from '../../../src/ledger/ledger.js';
import { parseAudit } from '../../../src/world/audit-intake.js';
import { manifest, okAgent, spec } from './helpers.js';

/** A run's ledger and audit built side by side, with times in ms after T0. */
export const T0 = Date.parse('2026-01-01T10:00:00.000Z');
export const iso = (ms: number) => new Date(T0 + ms).toISOString();

export interface Call {
  id: string;
  name: string;
  args: Record<string, unknown>;
}

export class Scene {
  readonly ledger = new Ledger();
  readonly lines: Record<string, unknown>[] = [];
  completed = true;

  record(type: string, ms: number, fields: Record<string, unknown> = {}): Record<string, unknown> {
    const r = { ts: iso(ms), run_id: 'run_1', trigger_id: 'TCK-1', agent_id: 'bot', type, ...fields };
    this.lines.push(r);
    return r;
  }

  listing(ms: number, version = 's1'): void {
    this.ledger.record({
      kind: 'other',
      service: 'tools',
      method: 'GET',
      path: '/tools',
      startedAt: T0 + ms,
      endedAt: T0 + ms + 1,
      status: 200,
      note: 'tools/list',
      schemaVersion: version,
    });
  }

  start(ms: number, over: Record<string, unknown> = {}): void {
    this.record('run.started', ms, {
      model: { provider: 'openai', name: 'gpt-4.1-mini' },
      instructions_version: 'v1',
      tool_schema_version: 's1',
      trigger: { id: 'TCK-1', source: 'helpdesk' },
      ...over,
    });
  }

  /** The world's model entry at [ms, ms+2]; the agent's record around it unless `logged` is false. */
  model(ms: number, proposed: Call[], opts: { over?: Partial<ModelEntry>; logged?: boolean; name?: string } = {}): ModelEntry {
    const entry = this.ledger.record({
      kind: 'model',
      service: 'model',
      method: 'POST',
      path: '/v1/chat/completions',
      startedAt: T0 + ms,
      endedAt: T0 + ms + 2,
      status: 200,
      api: 'chat',
      stream: false,
      model: 'gpt-4.1-mini',
      turn: this.ledger.modelCalls().filter((m) => m.turn >= 0).length,
      proposed: proposed.map((p) => ({ ...p, rawArgs: JSON.stringify(p.args) })),
      text: proposed.length === 0 ? 'done' : undefined,
      usage: { input_tokens: 10, output_tokens: 5 },
      inputText: '',
      ...opts.over,
    } as Omit<ModelEntry, 'seq'>);
    if (opts.logged !== false) {
      this.record('model.called', ms + 3, {
        model: { provider: 'openai', name: opts.name ?? 'gpt-4.1-mini' },
        started_at: iso(ms - 1),
        ended_at: iso(ms + 3),
        input_tokens: 10,
        output_tokens: 5,
      });
    }
    return entry;
  }

  proposed(ms: number, call: Call): void {
    this.record('tool.proposed', ms, { call_id: call.id, tool: call.name, args: call.args });
  }

  /** The world's tool entry at [ms, ms+2]. */
  tool(ms: number, call: Call, over: Partial<ToolEntry> = {}): ToolEntry {
    return this.ledger.record({
      kind: 'tool',
      service: 'tools',
      method: 'POST',
      path: `/tools/${call.name}`,
      startedAt: T0 + ms,
      endedAt: T0 + ms + 2,
      status: 200,
      transport: 'rest',
      tool: call.name,
      args: call.args,
      bearer: 'tok',
      principal: 'client-1',
      effect: 'read',
      executed: true,
      callId: call.id,
      callIdSource: 'sent',
      result: { ok: true },
      externalIds: [],
      ...over,
    } as Omit<ToolEntry, 'seq'>);
  }

  /** The agent's tool.executed for a request at [ms, ms+2]. */
  executed(ms: number, call: Call, fields: Record<string, unknown> = {}): void {
    this.record('tool.executed', ms + 3, {
      call_id: call.id,
      tool: call.name,
      args: call.args,
      started_at: iso(ms - 1),
      ended_at: iso(ms + 3),
      status: 'ok',
      result: { ok: true },
      external_ids: [],
      ...fields,
    });
  }

  /** Proposed, sent and logged: the honest path of one call in its own model turn. */
  step(ms: number, call: Call): ToolEntry {
    this.model(ms, [call]);
    this.proposed(ms + 4, call);
    const entry = this.tool(ms + 10, call);
    this.executed(ms + 10, call);
    return entry;
  }

  end(ms: number, status = 'completed'): void {
    this.record('run.ended', ms, { status, reason: status });
  }

  context(controls: string[]): CheckContext {
    return {
      spec: spec(controls),
      manifest,
      ledger: this.ledger,
      audit: parseAudit(this.lines.map((l) => JSON.stringify(l)).join('\n')),
      agent: okAgent,
      world: { clientId: 'client-1', modelKey: 'key', baseUrl: 'http://127.0.0.1:1/run/0' },
      window: { startedAt: T0 - 100, endedAt: T0 + 100_000 },
    };
  }
}

export const read = (id = 'c1', args: Record<string, unknown> = { ticket_id: 'TCK-1' }): Call => ({ id, name: 'read_ticket', args });
export const comment = (id = 'c2'): Call => ({ id, name: 'comment_ticket', args: { ticket_id: 'TCK-1', body: 'Looking into it' } });

/** A complete honest run: listing, start, one read, one comment, a final answer, the end. */
export function honest(): Scene {
  const s = new Scene();
  s.listing(0);
  s.start(1);
  s.step(10, read());
  s.step(40, comment());
  s.model(70, []);
  s.end(80);
  return s;
}
