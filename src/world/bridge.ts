import type { IncomingMessage, ServerResponse } from 'node:http';

// Hop-by-hop headers belong to the socket between client and bridge, not to the request.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'te', 'trailer', 'expect']);

/**
 * A node:http request as a Fetch `Request`. Its signal aborts when the client goes away before
 * the answer is complete, so a held-open handler can let go.
 */
export async function toFetchRequest(
  req: IncomingMessage,
  res: ServerResponse,
  origin: string,
  maxBodyBytes = Number.POSITIVE_INFINITY,
): Promise<Request> {
  const controller = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) controller.abort();
  });
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || HOP_BY_HOP.has(name)) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  const method = req.method ?? 'GET';
  // Request bodies are small JSON; buffering them keeps the Request simple (no half-duplex stream).
  const body = method === 'GET' || method === 'HEAD' ? undefined : await readAll(req, maxBodyBytes);
  return new Request(new URL(req.url ?? '/', origin), { method, headers, body, signal: controller.signal });
}

/**
 * Writes a Fetch `Response` to node:http. Bodies are streamed chunk by chunk as they come, so
 * server-sent events reach the client one by one; `Response.error()` resets the connection, and
 * a body that errors part-way drops it.
 */
export async function writeFetchResponse(res: ServerResponse, response: Response): Promise<void> {
  if (response.type === 'error') {
    // A network error is a dropped connection: reset it (RST), as a crashed upstream would.
    if (res.socket && !res.socket.destroyed) res.socket.resetAndDestroy();
    else res.destroy();
    return;
  }
  res.statusCode = response.status;
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') res.setHeader(name, value);
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) res.setHeader('set-cookie', cookies);
  if (!response.body) {
    res.end();
    return;
  }
  res.flushHeaders();
  const reader = response.body.getReader();
  const cancel = () => void reader.cancel().catch(() => {});
  res.once('close', cancel);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!res.write(value)) await drainedOrClosed(res);
      if (res.destroyed) return;
    }
    res.end();
  } catch {
    res.destroy();
  } finally {
    res.off('close', cancel);
  }
}

/** A request body over the bridge's limit: the rest was never read. */
export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`request body over ${limit} bytes`);
  }
}

async function readAll(req: IncomingMessage, maxBytes: number): Promise<Uint8Array<ArrayBuffer>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw new BodyTooLargeError(maxBytes);
    chunks.push(chunk as Buffer);
  }
  const body = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    body.set(chunk, at);
    at += chunk.length;
  }
  return body;
}

function drainedOrClosed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    res.once('drain', resolve);
    res.once('close', resolve);
  });
}
