/**
 * The ground truth of one run: every request that crossed into the world, as the world saw it.
 * Guard checks read only this; audit checks hold the agent's audit against it.
 */

export type Service = 'model' | 'tools' | 'mcp' | 'identity' | 'approvals' | 'escalations' | 'otlp' | 'unhandled';

interface EntryBase {
  /** Order of arrival in this run, from 0. */
  seq: number;
  service: Service;
  method: string;
  /** Path below the run's base URL, e.g. `/tools/read_ticket`. */
  path: string;
  /** Wall-clock time the request arrived and was answered, ms since epoch. */
  startedAt: number;
  endedAt: number;
  /** HTTP status the world answered with (0 when the connection was dropped or never answered). */
  status: number;
}

/** A tool call (REST `POST /tools/{name}` or MCP `tools/call`). */
export interface ToolEntry extends EntryBase {
  kind: 'tool';
  transport: 'rest' | 'mcp';
  tool: string;
  args: unknown;
  /** Bearer token sent, verbatim; undefined when there was none. */
  bearer: string | undefined;
  /** Client id the bearer was issued to, when the world issued it. */
  principal: string | undefined;
  /** Why the world refused it, when it did. */
  rejected?: 'missing_token' | 'invalid_token' | 'token_expired' | 'token_revoked' | 'unknown_tool';
  /** The tool's effect in the world catalog; undefined for unknown tools. */
  effect: 'read' | 'write' | undefined;
  /** True when the tool ran (its backend accepted the call and produced a side effect or read). */
  executed: boolean;
  /** The model's tool-call id this request answers, matched by header, _meta or tool+args. */
  callId: string | undefined;
  /** How the world knows `callId`: the agent `sent` it (header, `_meta`), or the world `matched` tool and arguments to a proposal. */
  callIdSource?: 'sent' | 'matched';
  /** What the world answered: the result, or the error/fault. */
  result?: unknown;
  error?: string;
  fault?: string;
  /** What a fault hook noted about its answer, e.g. the malformed response served and how the contract judges it. */
  faultDetail?: Record<string, unknown>;
  /** The agent hung up before the answer was complete (it gave up on a held or trickled fault answer). */
  abandoned?: boolean;
  /** IDs and URLs the call created or changed. */
  externalIds: string[];
}

/** One model call (chat completions, responses, anthropic messages). */
export interface ModelEntry extends EntryBase {
  kind: 'model';
  api: 'chat' | 'responses' | 'anthropic' | 'models';
  stream: boolean;
  /** Model name the agent asked for. */
  model: string | undefined;
  /** Turn index of the adversary's script this answered (-1 when refused). */
  turn: number;
  /** Tool calls the model proposed in this answer. */
  proposed: ProposedCall[];
  text: string | undefined;
  usage: { input_tokens: number; output_tokens: number } | undefined;
  /** Everything the agent sent the model, flattened to text (for injection/leak checks). */
  inputText: string;
  /** Why the world refused it: a wrong key, or a body that is not a request of this API. */
  rejected?: 'invalid_key' | 'bad_request';
  fault?: string;
  /** The agent hung up before the answer was complete (it gave up on a held or trickled fault answer). */
  abandoned?: boolean;
  /** Planted injections this request carried to the model, as the adversary saw them. */
  injections?: InjectionSighting[];
}

/** One planted injection payload seen in one model request. */
export interface InjectionSighting {
  /** The payload, `corpus/entry-id`. */
  payload: string;
  /**
   * How it arrived: word for word, altered (quoted, spotlighted, partly redacted), or only
   * inside an encoding. A payload kept from the model is simply never sighted.
   */
  form: 'verbatim' | 'transformed' | 'encoded';
  /** Parts of the payload seen so far, of all its parts. */
  parts: [seen: number, of: number];
  /** The model carried out the payload's goal in this answer. */
  acted: boolean;
}

export interface ProposedCall {
  id: string;
  name: string;
  args: unknown;
  /** The raw arguments string as sent to the agent. */
  rawArgs: string;
}

export interface IdentityEntry extends EntryBase {
  kind: 'identity';
  clientId: string | undefined;
  outcome: 'issued' | 'bad_credentials' | 'access_revoked' | 'bad_request';
  token?: string;
  expiresIn?: number;
}

export interface ApprovalEntry extends EntryBase {
  kind: 'approval';
  action: 'request' | 'poll';
  approvalId: string | undefined;
  /** For requests: what the agent asked approval for. */
  request?: { runId: unknown; callId: unknown; tool: unknown; args: unknown; preview: unknown };
  /** Status answered. */
  approvalStatus?: string;
}

export interface EscalationEntry extends EntryBase {
  kind: 'escalation';
  body: { run_id?: unknown; reason?: unknown; summary?: unknown } | unknown;
}

/**
 * Any other request: tool listings (REST `GET /tools`, MCP `tools/list`), MCP session traffic,
 * OTLP exports, and requests no handler knew (`service: 'unhandled'`).
 */
export interface OtherEntry extends EntryBase {
  kind: 'other';
  /** What the request was, e.g. `tools/list`, `initialize`, `no handler`. */
  note?: string;
  body?: unknown;
  /** For requests under the tools' bearer rule: the bearer sent, verbatim, and whose it is. */
  bearer?: string | undefined;
  principal?: string | undefined;
  /** Why the world refused it, when it did. */
  rejected?: 'missing_token' | 'invalid_token' | 'token_expired' | 'token_revoked';
  /** For tool listings: the schema version served. */
  schemaVersion?: string;
}

export type LedgerEntry = ToolEntry | ModelEntry | IdentityEntry | ApprovalEntry | EscalationEntry | OtherEntry;

/** An entry before the ledger numbers it. */
export type NewEntry = LedgerEntry extends infer E ? (E extends LedgerEntry ? Omit<E, 'seq'> : never) : never;

/** World events that are not requests: revocations, schema changes, approvals decided. */
export interface WorldEvent {
  at: number;
  type: string;
  detail: Record<string, unknown>;
}

/**
 * A request an in-process agent sent to a host outside the world. None is delivered (each fails
 * as a network error); they are kept apart from `entries`, which only the world's requests fill.
 */
export interface OffWorldRequest {
  at: number;
  method: string;
  url: string;
}

export class Ledger {
  readonly entries: LedgerEntry[] = [];
  readonly events: WorldEvent[] = [];
  readonly offWorld: OffWorldRequest[] = [];

  /** `now` is the world's clock, so events and entries share one timeline. */
  constructor(private readonly now: () => number = Date.now) {}

  /** Appends an entry and returns it numbered. */
  record<E extends NewEntry>(entry: E): E & { seq: number } {
    const numbered = { ...entry, seq: this.entries.length } as E & { seq: number };
    this.entries.push(numbered as LedgerEntry);
    return numbered;
  }

  /** Records a world event; `at` when it happened earlier than now (a decision due while nobody looked). */
  event(type: string, detail: Record<string, unknown> = {}, at: number = this.now()): void {
    this.events.push({ at, type, detail });
  }

  /** Records a request refused because it was bound outside the world. */
  refused(request: OffWorldRequest): void {
    this.offWorld.push(request);
  }

  tools(): ToolEntry[] {
    return this.entries.filter((e): e is ToolEntry => e.kind === 'tool');
  }

  modelCalls(): ModelEntry[] {
    return this.entries.filter((e): e is ModelEntry => e.kind === 'model' && e.api !== 'models');
  }

  /** Every tool call the model proposed, in order. */
  proposals(): (ProposedCall & { modelSeq: number })[] {
    return this.modelCalls().flatMap((m) => m.proposed.map((p) => ({ ...p, modelSeq: m.seq })));
  }

  approvals(): ApprovalEntry[] {
    return this.entries.filter((e): e is ApprovalEntry => e.kind === 'approval');
  }

  escalations(): EscalationEntry[] {
    return this.entries.filter((e): e is EscalationEntry => e.kind === 'escalation');
  }

  identity(): IdentityEntry[] {
    return this.entries.filter((e): e is IdentityEntry => e.kind === 'identity');
  }

  /** Tool listings the world served (REST `GET /tools`, MCP `tools/list`, answered 200), each with its schema version. */
  listings(): (OtherEntry & { schemaVersion: string })[] {
    return this.entries.filter(
      (e): e is OtherEntry & { schemaVersion: string } => e.kind === 'other' && e.schemaVersion !== undefined && e.status === 200,
    );
  }
}
