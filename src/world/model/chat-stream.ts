import type { ResolvedCall } from '../../runner/case.js';
import { argumentPieces, wordPieces } from './view.js';

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
  for (const piece of wordPieces(input.text ?? '')) chunks.push(delta({ content: piece }));
  input.toolCalls.forEach((call, index) => {
    chunks.push(delta({ tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }] }));
    for (const piece of argumentPieces(call.rawArgs)) chunks.push(delta({ tool_calls: [{ index, function: { arguments: piece } }] }));
  });
  chunks.push(delta({}, input.finishReason));
  if (input.includeUsage) chunks.push(chunk([], input.usage));
  return chunks;
}
