// @ts-check
// Small fetch helpers. Everything goes through the global fetch, looked up at call time, so the
// harness can intercept an in-process agent's traffic without any change here.

/**
 * @typedef {object} HttpResponse
 * @property {number} status
 * @property {Headers} headers
 * @property {string} text          the body, cut at maxBytes
 * @property {boolean} truncated    the body was longer than maxBytes
 * @property {unknown} [json]       the parsed body, when it is JSON
 * @property {string} [jsonError]   why the body is not JSON
 */

const DEFAULT_MAX_BYTES = 1024 * 1024;

export class RequestTimeoutError extends Error {
  /** @param {number} ms */
  constructor(ms) {
    super(`no answer within ${ms} ms`);
    this.name = 'RequestTimeoutError';
  }
}

/**
 * A JSON request. `signal` is the run's (aborting it rejects with its reason); `timeoutMs` adds a
 * deadline of this request's own, which rejects with RequestTimeoutError.
 * @param {string} url
 * @param {{ method?: string, headers?: Record<string, string>, body?: unknown, signal: AbortSignal,
 *   timeoutMs?: number, maxBytes?: number }} options
 * @returns {Promise<HttpResponse>}
 */
export async function request(url, { method = 'GET', headers = {}, body, signal, timeoutMs, maxBytes = DEFAULT_MAX_BYTES }) {
  const { controller, release } = scoped(signal);
  let timedOut = false;
  const timer =
    timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          controller.abort(new RequestTimeoutError(timeoutMs));
        }, timeoutMs);
  try {
    const res = await globalThis.fetch(url, {
      method,
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: controller.signal,
    });
    const { text, truncated, invalidUtf8 } = await readLimited(res, maxBytes);
    /** @type {HttpResponse} */
    const out = { status: res.status, headers: res.headers, text, truncated };
    if (truncated) out.jsonError = `response larger than ${maxBytes} bytes`;
    else if (invalidUtf8) out.jsonError = 'the body is not valid UTF-8';
    else {
      try {
        out.json = JSON.parse(text);
      } catch (err) {
        out.jsonError = `invalid JSON: ${/** @type {Error} */ (err).message}`;
      }
    }
    return out;
  } catch (err) {
    if (timedOut && !signal.aborted) throw new RequestTimeoutError(/** @type {number} */ (timeoutMs));
    throw err;
  } finally {
    clearTimeout(timer);
    release();
  }
}

/**
 * A child of the run's signal for one request, unhooked by `release()`. Libraries that add an
 * abort listener per request and never remove it (the openai client, the MCP SDK), and
 * AbortSignal.any, would otherwise pile listeners on the run's signal for every request made.
 * @param {AbortSignal} signal
 */
export function scoped(signal) {
  const controller = new AbortController();
  const onAbort = () => controller.abort(signal.reason);
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  return { controller, signal: controller.signal, release: () => signal.removeEventListener('abort', onAbort) };
}

/**
 * A hostile server can send an endless body: read no more than we are willing to hold.
 * @param {Response} res
 * @param {number} maxBytes
 */
async function readLimited(res, maxBytes) {
  if (!res.body) return { text: '', truncated: false, invalidUtf8: false };
  const reader = res.body.getReader();
  // JSON travels as UTF-8 (RFC 8259): bytes that are not are a malformed body, not text to patch up.
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let text = '';
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { text: text + decoder.decode(), truncated: false, invalidUtf8: false };
      size += value.byteLength;
      if (size > maxBytes) {
        // Not awaited: cancelling a body the server keeps streaming may never settle.
        reader.cancel().catch(() => {});
        return { text, truncated: true, invalidUtf8: false };
      }
      text += decoder.decode(value, { stream: true });
    }
  } catch (err) {
    if (!(err instanceof TypeError)) throw err;
    // Not awaited: a server that keeps the body open must not hold the run.
    reader.cancel().catch(() => {});
    return { text, truncated: false, invalidUtf8: true };
  }
}

/**
 * The error code of a JSON error body: `{"error": {"code": "..."}}` (or a bare string).
 * @param {unknown} json
 * @returns {string | undefined}
 */
export function errorCode(json) {
  const error = /** @type {any} */ (json)?.error;
  if (typeof error === 'string') return error;
  return typeof error?.code === 'string' ? error.code : undefined;
}

/**
 * Milliseconds a Retry-After header asks for (seconds or an HTTP date), or undefined.
 * @param {Headers | Record<string, string> | undefined} headers
 */
export function retryAfterMs(headers) {
  const get = (/** @type {string} */ name) => (headers instanceof Headers ? headers.get(name) : (headers?.[name] ?? undefined));
  const ms = Number(get('retry-after-ms'));
  if (get('retry-after-ms') && Number.isFinite(ms)) return Math.max(0, ms);
  const value = get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/**
 * A promise that resolves after ms, or rejects when the signal aborts.
 * @param {number} ms
 * @param {AbortSignal} [signal]
 */
export function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(undefined);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
