/** One `data:` event: how Chat Completions streams. */
export const dataEvent = (data: unknown): string => `data: ${JSON.stringify(data)}\n\n`;

/** One event named by its `type`, then its data: how the Responses and Anthropic Messages APIs stream. */
export const namedEvent = (data: { type: string }): string => `event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`;

/** Chat Completions' end of stream. */
export const SSE_DONE = 'data: [DONE]\n\n';

/**
 * Server-sent events, one frame per pull so each reaches the wire on its own. `onEnd` runs once,
 * when the last frame is out or the reader gives up.
 */
export function sseStream(frames: readonly string[], onEnd: () => void): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
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
