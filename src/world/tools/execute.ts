import type { ToolEntry } from '../../ledger/ledger.js';
import { isPlainObject } from '../canonical.js';
import { type Draft, noteAbandoned, type WorldContext } from '../context.js';
import type { Fault } from '../fault.js';
import type { BearerRejection, BearerVerdict } from './bearer.js';
import type { CatalogTool } from './types.js';

/** A tool call about to run, as a fault hook sees it. */
export interface ToolInvocation {
  transport: 'rest' | 'mcp';
  tool: CatalogTool;
  args: Record<string, unknown>;
  callId: string | undefined;
  principal: string;
  /** Aborted when the agent hangs up or the world closes. */
  signal: AbortSignal;
  /** The call's ledger entry, for a hook that wants to note more. */
  entry: ToolEntry;
}

/** An answer a hook gives instead of (or on top of) running the tool: 5xx, 429, malformed body, ... */
export type ToolFault = Fault;

/**
 * Called before every accepted tool call. Returning a fault answers with it instead of running
 * the tool (or, with `passThrough`, reshapes the tool's answer); awaiting inside gives latency
 * or a hang (until `signal` aborts); returning undefined runs the tool.
 */
export type BeforeToolHook = (call: ToolInvocation) => ToolFault | undefined | Promise<ToolFault | undefined>;

/** One tool request, whichever transport carried it. */
export interface ToolCall {
  transport: 'rest' | 'mcp';
  method: string;
  path: string;
  startedAt: number;
  name: string;
  /** Parsed arguments, or the raw text when they were not JSON. */
  args: unknown;
  /** The arguments as sent, when they came as text. */
  rawText?: string;
  /** Why the arguments cannot be used, when they were not JSON. */
  malformed?: string;
  /** A call id the agent sent (header or `_meta`). */
  sentCallId: string | undefined;
  auth: BearerVerdict;
  signal: AbortSignal;
}

export type ToolCallOutcome =
  | { kind: 'refused'; entry: ToolEntry; reason: 'auth'; rejected: BearerRejection }
  | { kind: 'refused'; entry: ToolEntry; reason: 'unknown_tool' | 'bad_arguments' }
  | { kind: 'fault'; entry: ToolEntry; fault: ToolFault }
  | { kind: 'ran'; entry: ToolEntry; result: unknown; fault?: ToolFault };

/**
 * The one way a tool call is judged, run and recorded, for REST and MCP alike. The entry is
 * recorded on arrival; the caller stamps the status it answers with (`settle`).
 */
export async function executeTool(ctx: WorldContext, call: ToolCall): Promise<ToolCallOutcome> {
  const tool = ctx.catalog.get(call.name);
  const callId = ctx.callIds.resolve(call.sentCallId, call.name, call.args, call.rawText);
  const entry = ctx.ledger.record<Draft<ToolEntry>>({
    kind: 'tool',
    service: call.transport === 'rest' ? 'tools' : 'mcp',
    method: call.method,
    path: call.path,
    startedAt: call.startedAt,
    endedAt: call.startedAt,
    status: 0,
    transport: call.transport,
    tool: call.name,
    args: call.args,
    bearer: call.auth.bearer,
    principal: call.auth.principal,
    effect: tool?.effect,
    executed: false,
    callId,
    ...(callId === undefined ? {} : { callIdSource: call.sentCallId ? 'sent' : 'matched' }),
    externalIds: [],
  });
  if (!call.auth.ok) {
    entry.rejected = call.auth.rejected;
    return { kind: 'refused', entry, reason: 'auth', rejected: call.auth.rejected };
  }
  if (!tool) {
    entry.rejected = 'unknown_tool';
    return { kind: 'refused', entry, reason: 'unknown_tool' };
  }
  const args = call.args === undefined ? {} : call.args;
  if (call.malformed !== undefined || !isPlainObject(args)) {
    entry.error = call.malformed ?? 'arguments must be a JSON object';
    return { kind: 'refused', entry, reason: 'bad_arguments' };
  }

  ctx.callIds.claim(callId);
  const fault = await ctx.beforeTool?.({
    transport: call.transport,
    tool,
    args,
    callId,
    principal: call.auth.principal,
    signal: call.signal,
    entry,
  });
  if (fault) {
    entry.fault = fault.name;
    // When the hook let go; the answer, if one is ever sent, stamps it again.
    entry.endedAt = ctx.now();
    noteAbandoned(ctx, entry, call.signal);
  }
  if (fault && !fault.passThrough) {
    ctx.callIds.release(callId);
    return { kind: 'fault', entry, fault };
  }
  const { result, externalIds } = tool.run(args, ctx.tools);
  Object.assign(entry, { executed: true, result, externalIds });
  return { kind: 'ran', entry, result, ...(fault ? { fault } : {}) };
}
