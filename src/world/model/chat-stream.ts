import type { ResolvedCall } from '../../runner/case.js';

// Argument text goes out in fragments this long, as a real model streams it token by token.
const ARGUMENT_PIECE = 8;

export interface ChatChunkInput {
  id: string;
  created: number;
  model: string;
  text: string | undefined;
  toolCalls: readonly ResolvedCall[];
  finishReason: 'tool_calls' | 'stop';
  usage: Record<string, unknown>;
  /** `stream_options.include_usage`: every chunk carries `usage: null`, and a last chunk the counts. */
  includeUsage: boolean;
}

/** The `chat.completion.chunk` objects of one streamed answer, in OpenAI's order. */
export function chatChunks(input: ChatChunkInput): Record<string, unknown>[] {
  const chunk = (choices: unknown[], usage: unknown = null) => ({
    id: input.id,
    object: 'chat.completion.chunk',
    created: input.created,
    model: input.model,
    system_fingerprint: 'fp_agent_chaos',
    choices,
    ...(input.includeUsage ? { usage } : {}),
  });
  const delta = (d: Record<string, unknown>, finish: string | null = null) =>
    chunk([{ index: 0, delta: d, logprobs: null, finish_reason: finish }]);

  const chunks = [delta({ role: 'assistant', content: '', refusal: null })];
  for (const piece of input.text?.match(/\s*\S+\s*|\s+/g) ?? []) chunks.push(delta({ content: piece }));
  input.toolCalls.forEach((call, index) => {
    chunks.push(delta({ tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }] }));
    for (let at = 0; at < call.rawArgs.length; at += ARGUMENT_PIECE) {
      chunks.push(delta({ tool_calls: [{ index, function: { arguments: call.rawArgs.slice(at, at + ARGUMENT_PIECE) } }] }));
    }
  });
  chunks.push(delta({}, input.finishReason));
  if (input.includeUsage) chunks.push(chunk([], input.usage));
  return chunks;
}

/**
 * Server-sent events, one `data:` event per pull so each reaches the wire on its own, then
 * `data: [DONE]`. `onEnd` runs once, when the last event is out or the reader gives up.
 */
export function sseStream(events: readonly unknown[], onEnd: () => void): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const frames = [...events.map((e) => `data: ${JSON.stringify(e)}\n\n`), 'data: [DONE]\n\n'];
  let next = 0;
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    onEnd();
  };
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const frame = frames[next++];
      if (frame === undefined) {
        controller.close();
        end();
      } else controller.enqueue(encoder.encode(frame));
    },
    cancel: end,
  });
}
