/** Byte-level bodies for faults: trickled, cut short, dropped part-way. */

export interface BodyOptions {
  /** Bytes per chunk; omitted: the whole body in one chunk. */
  chunkBytes?: number;
  /** Pause before each chunk after the first. */
  intervalMs?: number;
  /** Error the stream once the bytes are out, so the connection drops instead of ending. */
  drop?: boolean;
  /** Stops the trickle (the agent hung up, the world closed). */
  signal: AbortSignal;
}

/** Resolves after `ms`, or rejects when `signal` aborts; never leaves a timer behind. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Resolves when `signal` aborts. */
export function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

/** A stream of `bytes`, chunked and paced as asked. */
export function byteStream(bytes: Uint8Array, options: BodyOptions): ReadableStream<Uint8Array> {
  const size = options.chunkBytes ?? Math.max(1, bytes.length);
  let at = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (at >= bytes.length) {
        if (options.drop) controller.error(new Error('agent-chaos: connection dropped mid-body'));
        else controller.close();
        return;
      }
      if (at > 0 && options.intervalMs) {
        try {
          await sleep(options.intervalMs, options.signal);
        } catch {
          controller.error(new Error('agent-chaos: body abandoned'));
          return;
        }
      }
      controller.enqueue(bytes.slice(at, at + size));
      at += size;
    },
  });
}

/** A response like `base` (status, headers) with another body; the length header goes, the bytes decide. */
export function withBody(base: Response, body: BodyInit | null, headers: Record<string, string> = {}): Response {
  const merged = new Headers(base.headers);
  merged.delete('content-length');
  for (const [name, value] of Object.entries(headers)) merged.set(name, value);
  return new Response(body, { status: base.status, statusText: base.statusText, headers: merged });
}

export async function bytesOf(response: Response): Promise<Uint8Array> {
  return new Uint8Array(await response.arrayBuffer());
}
