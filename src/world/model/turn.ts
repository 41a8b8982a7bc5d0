import type { ModelAnswer } from '../../adversary/policy.js';
import type { ModelEntry } from '../../ledger/ledger.js';
import type { ResolvedCall } from '../../runner/case.js';
import { noteAbandoned, settle, settleBody, stamp, type WorldContext } from '../context.js';
import { estimateTokens, outputTokens } from './view.js';

/** The model APIs the world answers with the adversary. */
export type ModelApi = Exclude<ModelEntry['api'], 'models'>;

/** What every model API's request tells the world, once its own shape is read. */
export interface TurnRequest {
  api: ModelApi;
  model: string | undefined;
  /** Names of the tools the agent offered the model. */
  offeredTools: string[];
  /** The output cap the agent asked for: a real model stops there, so a claimed huge output is held to it. */
  maxTokens: number | undefined;
  /**
   * Reshapes a tool call the way this API can carry it (Anthropic's `input` is always an object),
   * so the ledger records what the agent was really sent.
   */
  carry?: (call: ResolvedCall) => ResolvedCall;
}

/** One adversary answer, as the API's renderer needs it. */
export interface PlayedTurn {
  turn: number;
  answer: ModelAnswer;
  usage: { input_tokens: number; output_tokens: number };
}

/**
 * Renders a played turn in the API's own shape: a JSON response, or (when the entry is streamed)
 * an event stream that calls `ended` once, when its last event is out or the reader gives up.
 */
export type RenderTurn = (played: PlayedTurn, ended: () => void) => Response;

/**
 * Answers an accepted model request (right key, well-formed body; `entry` already holds the
 * model, stream flag and input text) the same way for every API: the fault hook first, then one
 * turn of the adversary recorded on the entry, then the API's rendering of it.
 */
export async function answerTurn(
  ctx: WorldContext,
  entry: ModelEntry,
  request: Request,
  req: TurnRequest,
  render: RenderTurn,
): Promise<Response> {
  const held = AbortSignal.any([request.signal, ctx.closing]);
  const fault = await ctx.beforeModel?.({ api: req.api, turn: ctx.model.answers, stream: entry.stream, signal: held, entry });
  if (fault) {
    entry.fault = fault.name;
    entry.endedAt = ctx.now();
    noteAbandoned(ctx, entry, held);
  }
  if (fault && !fault.passThrough) return settleBody(ctx, entry, await fault.respond(), request.signal);

  // An answer the agent cannot read does not spend the turn: the retry gets it.
  const plays = !fault?.garbles;
  const turn = plays ? ctx.model.answers++ : ctx.model.answers;
  const played = ctx.model.policy.respond({
    turn,
    api: req.api,
    model: req.model,
    inputText: entry.inputText,
    offeredTools: req.offeredTools,
  });
  const answer = req.carry ? { ...played, toolCalls: played.toolCalls.map(req.carry) } : played;
  const usage = {
    input_tokens: estimateTokens(entry.inputText),
    output_tokens: Math.min(outputTokens(answer.text, answer.toolCalls, answer.extraOutputTokens), req.maxTokens ?? Infinity),
  };
  if (plays) {
    Object.assign(entry, {
      turn,
      text: answer.text,
      usage,
      proposed: answer.toolCalls.map(({ id, name, args, rawArgs }) => ({ id, name, args, rawArgs })),
      ...(answer.injections ? { injections: answer.injections } : {}),
    });
  }

  // A stream's entry ends when the last event is out, not when the headers are.
  if (entry.stream) entry.status = 200;
  const normal = render({ turn, answer, usage }, () => stamp(ctx, entry, 200));
  if (fault) return settleBody(ctx, entry, await fault.respond(normal), request.signal);
  return entry.stream ? normal : settle(ctx, entry, normal);
}

/** A positive whole number limit, or undefined. */
export function tokenLimit(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined;
}

/** The server-sent events response every streaming API answers with. */
export function eventStreamResponse(events: ReadableStream<Uint8Array>): Response {
  return new Response(events, {
    status: 200,
    headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' },
  });
}
