import { http, type RequestHandler } from 'msw';
import { stableTag } from '../../random.js';
import type { ResolvedCall } from '../../runner/case.js';
import { isPlainObject } from '../canonical.js';
import { settle, type WorldContext } from '../context.js';
import { anthropicError, bearerOf, json } from '../http.js';
import { openModelRequest } from './entry.js';
import { ADVERSARY_MODEL } from './openai-chat.js';
import { namedEvent, sseStream } from './sse.js';
import { answerTurn, eventStreamResponse, type PlayedTurn, tokenLimit } from './turn.js';
import { argumentPieces, wordPieces } from './view.js';

/** `POST /anthropic/v1/messages` (Anthropic Messages API, plain and streamed), answered by the adversary policy. */
export function anthropicMessagesHandlers(ctx: WorldContext): RequestHandler[] {
  return [
    http.post(ctx.url('/anthropic/v1/messages'), async ({ request }) => {
      const { entry, body, params, model, offered } = await openModelRequest(ctx, request, 'anthropic', (p) => [p.system, p.messages]);

      // The SDK sends `x-api-key`; OAuth-style clients send a bearer.
      const key = request.headers.get('x-api-key') ?? bearerOf(request);
      if (key !== ctx.model.key) {
        entry.rejected = 'invalid_key';
        return settle(ctx, entry, anthropicError(401, 'invalid x-api-key'));
      }
      const problem = !body.ok
        ? 'The request body is not valid JSON.'
        : !params
          ? 'The request body must be a JSON object.'
          : !Array.isArray(params.messages)
            ? 'messages: Field required'
            : tokenLimit(params.max_tokens) === undefined
              ? 'max_tokens: Field required (a positive integer)'
              : undefined;
      if (problem !== undefined || !params) {
        entry.rejected = 'bad_request';
        return settle(ctx, entry, anthropicError(400, problem ?? 'invalid request'));
      }

      const turnRequest = {
        api: 'anthropic' as const,
        model,
        offeredTools: offeredNames(offered),
        maxTokens: tokenLimit(params.max_tokens),
        carry: asToolUse,
      };
      return answerTurn(ctx, entry, request, turnRequest, (played, ended) => {
        const message = {
          id: `msg_${stableTag(ctx.spec.seed, `anthropic:${played.turn}`, 24)}`,
          type: 'message',
          role: 'assistant',
          model: model ?? ADVERSARY_MODEL,
          content: contentBlocks(played),
          stop_reason: played.answer.toolCalls.length > 0 ? 'tool_use' : 'end_turn',
          stop_sequence: null,
          usage: usageOf(played.usage.input_tokens, played.usage.output_tokens),
        };
        if (!entry.stream) return json(200, message);
        return eventStreamResponse(sseStream(streamEvents(played, message).map(namedEvent), ended));
      });
    }),
  ];
}

/**
 * A tool call as Anthropic carries it: `input` is always a JSON object, so arguments that are not
 * one (a scenario's malformed `raw_args`) go out as the scenario's `args`, or `{}`.
 */
function asToolUse(call: ResolvedCall): ResolvedCall {
  let input: unknown = call.args;
  try {
    const raw: unknown = JSON.parse(call.rawArgs);
    if (isPlainObject(raw)) input = raw;
  } catch {
    // Not JSON: the scenario's args, when they are an object, are what the model meant.
  }
  const args = isPlainObject(input) ? input : {};
  return { ...call, args, rawArgs: JSON.stringify(args) };
}

function contentBlocks({ answer }: PlayedTurn): Record<string, unknown>[] {
  return [
    ...(answer.text !== undefined ? [{ type: 'text', text: answer.text }] : []),
    ...answer.toolCalls.map((call) => ({ type: 'tool_use', id: call.id, name: call.name, input: call.args })),
  ];
}

function usageOf(input: number, output: number) {
  return { input_tokens: input, output_tokens: output, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
}

/** The stream of one answer, in Anthropic's order: message_start, each block built up, message_delta, message_stop. */
function streamEvents(played: PlayedTurn, message: Record<string, unknown>): { type: string }[] {
  const events: { type: string; [field: string]: unknown }[] = [
    {
      type: 'message_start',
      message: { ...message, content: [], stop_reason: null, usage: usageOf(played.usage.input_tokens, 1) },
    },
  ];
  let index = 0;
  const { text, toolCalls } = played.answer;
  if (text !== undefined) {
    events.push({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
    events.push({ type: 'ping' });
    for (const piece of wordPieces(text)) events.push({ type: 'content_block_delta', index, delta: { type: 'text_delta', text: piece } });
    events.push({ type: 'content_block_stop', index });
    index += 1;
  }
  for (const call of toolCalls) {
    events.push({ type: 'content_block_start', index, content_block: { type: 'tool_use', id: call.id, name: call.name, input: {} } });
    for (const piece of argumentPieces(call.rawArgs)) {
      events.push({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: piece } });
    }
    events.push({ type: 'content_block_stop', index });
    index += 1;
  }
  events.push({
    type: 'message_delta',
    delta: { stop_reason: message.stop_reason, stop_sequence: null },
    usage: { output_tokens: played.usage.output_tokens },
  });
  events.push({ type: 'message_stop' });
  return events;
}

function offeredNames(tools: unknown[]): string[] {
  return tools.flatMap((tool) => (isPlainObject(tool) && typeof tool.name === 'string' ? [tool.name] : []));
}
