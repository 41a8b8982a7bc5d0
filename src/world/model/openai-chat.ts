import { http, type RequestHandler } from 'msw';
import type { ModelAnswer } from '../../adversary/policy.js';
import { stableTag } from '../../random.js';
import { isPlainObject } from '../canonical.js';
import { settle, type WorldContext } from '../context.js';
import { bearerOf, json, openAiError } from '../http.js';
import { chatChunks } from './chat-stream.js';
import { openModelEntry, openModelRequest } from './entry.js';
import { dataEvent, SSE_DONE, sseStream } from './sse.js';
import { answerTurn, eventStreamResponse, tokenLimit } from './turn.js';

/** The model name the world lists, and answers as when the agent names none. */
export const ADVERSARY_MODEL = 'agent-chaos-adversary';

/** OpenAI's answer to a wrong API key. */
export const invalidKey = () => openAiError(401, 'invalid_api_key', 'Incorrect API key provided.');

/** `POST /v1/chat/completions` (plain and streamed) and `GET /v1/models`, answered by the adversary policy. */
export function openAiChatHandlers(ctx: WorldContext): RequestHandler[] {
  return [
    http.post(ctx.url('/v1/chat/completions'), async ({ request }) => {
      const { entry, body, params, model, offered } = await openModelRequest(ctx, request, 'chat', (p) => [p.messages]);

      if (bearerOf(request) !== ctx.model.key) {
        entry.rejected = 'invalid_key';
        return settle(ctx, entry, invalidKey());
      }
      if (!params || !Array.isArray(params.messages)) {
        entry.rejected = 'bad_request';
        return settle(
          ctx,
          entry,
          openAiError(400, 'invalid_request', body.ok ? "'messages' is required" : 'We could not parse the JSON body of your request.'),
        );
      }

      const turnRequest = { api: 'chat' as const, model, offeredTools: offeredNames(offered), maxTokens: maxTokens(params) };
      return answerTurn(ctx, entry, request, turnRequest, ({ turn, answer, usage }, ended) => {
        const reply: Reply = {
          id: `chatcmpl-${stableTag(ctx.spec.seed, `chat:${turn}`, 24)}`,
          created: Math.floor(ctx.now() / 1000),
          model: model ?? ADVERSARY_MODEL,
          answer,
          finishReason: answer.toolCalls.length > 0 ? 'tool_calls' : 'stop',
          usage: {
            prompt_tokens: usage.input_tokens,
            completion_tokens: usage.output_tokens,
            total_tokens: usage.input_tokens + usage.output_tokens,
          },
        };
        if (!entry.stream) return json(200, completion(reply));
        const includeUsage = isPlainObject(params.stream_options) && params.stream_options.include_usage === true;
        const chunks = chatChunks({ ...reply, text: answer.text, toolCalls: answer.toolCalls, includeUsage });
        return eventStreamResponse(sseStream(chunks.map(dataEvent).concat(SSE_DONE), ended));
      });
    }),

    http.get(ctx.url('/v1/models'), ({ request }) => {
      const entry = openModelEntry(ctx, request, 'models');
      if (bearerOf(request) !== ctx.model.key) {
        entry.rejected = 'invalid_key';
        return settle(ctx, entry, invalidKey());
      }
      return settle(
        ctx,
        entry,
        json(200, { object: 'list', data: [{ id: ADVERSARY_MODEL, object: 'model', created: 1735689600, owned_by: 'agent-chaos' }] }),
      );
    }),
  ];
}

interface Reply {
  id: string;
  created: number;
  model: string;
  answer: ModelAnswer;
  finishReason: 'tool_calls' | 'stop';
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
}

function completion({ id, created, model, answer, finishReason, usage }: Reply) {
  const toolCalls = answer.toolCalls.map((call) => ({
    id: call.id,
    type: 'function',
    function: { name: call.name, arguments: call.rawArgs },
  }));
  const message = {
    role: 'assistant',
    content: answer.text ?? null,
    refusal: null,
    annotations: [],
    ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
  };
  return {
    id,
    object: 'chat.completion',
    created,
    model,
    system_fingerprint: 'fp_agent_chaos',
    choices: [{ index: 0, message, logprobs: null, finish_reason: finishReason }],
    usage,
  };
}

/** The output cap the agent asked for: `max_completion_tokens`, or the older `max_tokens`. */
function maxTokens(params: Record<string, unknown>): number | undefined {
  return tokenLimit(params.max_completion_tokens ?? params.max_tokens);
}

function offeredNames(tools: unknown[]): string[] {
  return tools.flatMap((tool) => {
    const fn = isPlainObject(tool) && isPlainObject(tool.function) ? tool.function : undefined;
    return typeof fn?.name === 'string' ? [fn.name] : [];
  });
}
