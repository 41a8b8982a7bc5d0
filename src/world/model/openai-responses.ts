import { http, type RequestHandler } from 'msw';
import { stableTag } from '../../random.js';
import type { ResolvedCall } from '../../runner/case.js';
import { isPlainObject } from '../canonical.js';
import { settle, type WorldContext } from '../context.js';
import { bearerOf, json, openAiError } from '../http.js';
import { openModelRequest } from './entry.js';
import { ADVERSARY_MODEL, invalidKey } from './openai-chat.js';
import { namedEvent, sseStream } from './sse.js';
import { answerTurn, eventStreamResponse, type PlayedTurn, tokenLimit } from './turn.js';
import { argumentPieces, wordPieces } from './view.js';

/** `POST /v1/responses` (OpenAI Responses API, plain and streamed), answered by the adversary policy. */
export function openAiResponsesHandlers(ctx: WorldContext): RequestHandler[] {
  return [
    http.post(ctx.url('/v1/responses'), async ({ request }) => {
      const { entry, body, params, model, offered } = await openModelRequest(ctx, request, 'responses', (p) => [p.instructions, p.input]);

      if (bearerOf(request) !== ctx.model.key) {
        entry.rejected = 'invalid_key';
        return settle(ctx, entry, invalidKey());
      }
      if (!params || (typeof params.input !== 'string' && !Array.isArray(params.input))) {
        entry.rejected = 'bad_request';
        const message = body.ok ? "Missing required parameter: 'input'." : 'We could not parse the JSON body of your request.';
        return settle(ctx, entry, openAiError(400, 'invalid_request', message));
      }

      const turnRequest = {
        api: 'responses' as const,
        model,
        offeredTools: offeredNames(offered),
        maxTokens: tokenLimit(params.max_output_tokens),
      };
      return answerTurn(ctx, entry, request, turnRequest, (played, ended) => {
        const ids = idsOf(ctx.spec.seed, played);
        const shell = {
          id: ids.response,
          object: 'response',
          created_at: Math.floor(ctx.now() / 1000),
          model: model ?? ADVERSARY_MODEL,
          instructions: typeof params.instructions === 'string' ? params.instructions : null,
          max_output_tokens: tokenLimit(params.max_output_tokens) ?? null,
          previous_response_id: typeof params.previous_response_id === 'string' ? params.previous_response_id : null,
          parallel_tool_calls: true,
          tool_choice: params.tool_choice ?? 'auto',
          tools: offered,
          text: { format: { type: 'text' } },
          error: null,
          incomplete_details: null,
          metadata: {},
        };
        const completed = { ...shell, status: 'completed', output: outputItems(played, ids), usage: usageOf(played) };
        if (!entry.stream) return json(200, completed);
        return eventStreamResponse(sseStream(streamEvents(played, ids, shell, completed).map(namedEvent), ended));
      });
    }),
  ];
}

interface ItemIds {
  response: string;
  message: string;
  /** One per tool call, in order. */
  calls: string[];
}

function idsOf(seed: number, { turn, answer }: PlayedTurn): ItemIds {
  return {
    response: `resp_${stableTag(seed, `responses:${turn}`, 32)}`,
    message: `msg_${stableTag(seed, `responses:${turn}:message`, 32)}`,
    calls: answer.toolCalls.map((_, i) => `fc_${stableTag(seed, `responses:${turn}:call:${i}`, 32)}`),
  };
}

const textPart = (text: string) => ({ type: 'output_text', text, annotations: [], logprobs: [] });

const messageItem = (id: string, text: string, status: 'in_progress' | 'completed') => ({
  type: 'message',
  id,
  status,
  role: 'assistant',
  content: status === 'completed' ? [textPart(text)] : [],
});

const callItem = (id: string, call: ResolvedCall, status: 'in_progress' | 'completed') => ({
  type: 'function_call',
  id,
  call_id: call.id,
  name: call.name,
  arguments: status === 'completed' ? call.rawArgs : '',
  status,
});

function outputItems({ answer }: PlayedTurn, ids: ItemIds): Record<string, unknown>[] {
  return [
    ...(answer.text !== undefined ? [messageItem(ids.message, answer.text, 'completed')] : []),
    ...answer.toolCalls.map((call, i) => callItem(ids.calls[i] ?? '', call, 'completed')),
  ];
}

function usageOf({ usage }: PlayedTurn) {
  return {
    input_tokens: usage.input_tokens,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: usage.output_tokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: usage.input_tokens + usage.output_tokens,
  };
}

/** The stream of one answer, in the Responses API's order: created, each item built up, completed. */
function streamEvents(played: PlayedTurn, ids: ItemIds, shell: object, completed: object): { type: string }[] {
  const events: Record<string, unknown>[] = [];
  const emit = (type: string, fields: Record<string, unknown>) => events.push({ type, sequence_number: events.length, ...fields });
  const pending = { ...shell, status: 'in_progress', output: [], usage: null };
  emit('response.created', { response: pending });
  emit('response.in_progress', { response: pending });

  let index = 0;
  const { text, toolCalls } = played.answer;
  if (text !== undefined) {
    const at = { item_id: ids.message, output_index: index, content_index: 0 };
    emit('response.output_item.added', { output_index: index, item: messageItem(ids.message, text, 'in_progress') });
    emit('response.content_part.added', { ...at, part: textPart('') });
    for (const piece of wordPieces(text)) emit('response.output_text.delta', { ...at, delta: piece, logprobs: [] });
    emit('response.output_text.done', { ...at, text, logprobs: [] });
    emit('response.content_part.done', { ...at, part: textPart(text) });
    emit('response.output_item.done', { output_index: index, item: messageItem(ids.message, text, 'completed') });
    index += 1;
  }
  toolCalls.forEach((call, i) => {
    const id = ids.calls[i] ?? '';
    const at = { item_id: id, output_index: index };
    emit('response.output_item.added', { output_index: index, item: callItem(id, call, 'in_progress') });
    for (const piece of argumentPieces(call.rawArgs)) emit('response.function_call_arguments.delta', { ...at, delta: piece });
    emit('response.function_call_arguments.done', { ...at, arguments: call.rawArgs });
    emit('response.output_item.done', { output_index: index, item: callItem(id, call, 'completed') });
    index += 1;
  });
  emit('response.completed', { response: completed });
  return events as { type: string }[];
}

function offeredNames(tools: unknown[]): string[] {
  return tools.flatMap((tool) => (isPlainObject(tool) && tool.type === 'function' && typeof tool.name === 'string' ? [tool.name] : []));
}
