// @ts-check
// The world's tools over REST or MCP, behind one small interface. Transports only move bytes and
// classify what came back; every decision (retry, refresh, stop) is the loop's.
import { errorCode, RequestTimeoutError, request, scoped } from './http.js';

/**
 * @typedef {{ name: string, description: string, inputSchema: object, outputSchema?: object,
 *   effect?: 'read' | 'write' }} ToolInfo
 * @typedef {{ code: string, message: string, http_status?: number }} ToolError
 * @typedef {{ status: 'ok', schemaVersion: string | null, tools: ToolInfo[], authCode?: undefined }
 *   | { status: 'error', error: ToolError, authCode?: string }} ListOutcome
 * @typedef {object} CallOutcome
 * @property {'ok' | 'error' | 'timeout'} status
 * @property {boolean} sent     the request left the agent (only then may the audit say it ran)
 * @property {unknown} [result]
 * @property {ToolError} [error]
 * @property {string} [authCode]  the 401 code, when the world refused the bearer
 * @property {boolean} [aborted]  the run stopped while the call was in flight
 * @typedef {{ name: string, args: Record<string, unknown>, callId: string, token: string,
 *   signal: AbortSignal, timeoutMs: number | undefined }} CallRequest
 * @typedef {object} ToolsTransport
 * @property {(token: string, signal: AbortSignal) => Promise<ListOutcome>} list
 * @property {(req: CallRequest) => Promise<CallOutcome>} call
 * @property {() => Promise<void>} close
 */

const LIST_TIMEOUT_MS = 5000;
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * @param {{ transport: 'rest' | 'mcp', restUrl: string, mcpUrl: string }} options
 * @returns {ToolsTransport}
 */
export function createToolsTransport({ transport, restUrl, mcpUrl }) {
  return transport === 'mcp' ? createMcpTransport(mcpUrl) : createRestTransport(restUrl);
}

/** @param {unknown} raw @param {(t: any) => unknown} effectOf @returns {ToolInfo[]} */
function toToolInfos(raw, effectOf) {
  if (!Array.isArray(raw)) return [];
  return raw
    .filter((t) => t && typeof t.name === 'string' && t.name !== '')
    .map((t) => {
      const effect = effectOf(t);
      const outputSchema = t.output_schema ?? t.outputSchema;
      return {
        name: t.name,
        description: typeof t.description === 'string' ? t.description : '',
        inputSchema: t.input_schema ?? t.inputSchema ?? { type: 'object', properties: {} },
        ...(outputSchema && typeof outputSchema === 'object' ? { outputSchema } : {}),
        ...(effect === 'read' || effect === 'write' ? { effect } : {}),
      };
    });
}

/** @param {string} url @returns {ToolsTransport} */
function createRestTransport(url) {
  return {
    async list(token, signal) {
      let res;
      try {
        res = await request(url, { headers: { authorization: `Bearer ${token}` }, signal, timeoutMs: LIST_TIMEOUT_MS });
      } catch (err) {
        if (signal.aborted) throw err;
        return { status: 'error', error: { code: 'network', message: /** @type {Error} */ (err).message } };
      }
      if (res.status === 401) return { status: 'error', authCode: errorCode(res.json) ?? 'invalid_token', error: httpError(res) };
      const body = /** @type {any} */ (res.json);
      if (res.status !== 200 || !Array.isArray(body?.tools)) return { status: 'error', error: httpError(res) };
      const schemaVersion = typeof body.schema_version === 'string' ? body.schema_version : null;
      return { status: 'ok', schemaVersion, tools: toToolInfos(body.tools, (t) => t.effect) };
    },

    async call({ name, args, callId, token, signal, timeoutMs }) {
      let res;
      try {
        res = await request(`${url}/${encodeURIComponent(name)}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'x-agent-chaos-call-id': callId },
          body: args,
          signal,
          timeoutMs,
        });
      } catch (err) {
        if (signal.aborted) return aborted(true);
        if (err instanceof RequestTimeoutError) return timedOut(timeoutMs);
        return { status: 'error', sent: true, error: { code: 'network', message: /** @type {Error} */ (err).message } };
      }
      if (res.status === 401) {
        return { status: 'error', sent: true, authCode: errorCode(res.json) ?? 'invalid_token', error: httpError(res) };
      }
      if (res.status < 200 || res.status > 299) return { status: 'error', sent: true, error: httpError(res) };
      if (res.status === 204) return { status: 'ok', sent: true, result: null };
      // A result that is not JSON is malformed, whatever it says: it is logged as an error and
      // never handed to the model as if it were data.
      const type = res.headers.get('content-type') ?? '';
      if (!/\bjson\b/i.test(type)) {
        return {
          status: 'error',
          sent: true,
          error: { code: 'malformed_response', message: `unexpected content type "${type}"`, http_status: res.status },
        };
      }
      if (res.jsonError)
        return { status: 'error', sent: true, error: { code: 'malformed_response', message: res.jsonError, http_status: res.status } };
      return { status: 'ok', sent: true, result: res.json };
    },

    async close() {},
  };
}

/** @param {import('./http.js').HttpResponse} res @returns {ToolError} */
function httpError(res) {
  const body = /** @type {any} */ (res.json);
  const message = typeof body?.error?.message === 'string' ? body.error.message : res.text.slice(0, 500);
  return { code: errorCode(body) ?? `http_${res.status}`, message, http_status: res.status };
}

/** @param {number | undefined} timeoutMs @returns {CallOutcome} */
function timedOut(timeoutMs) {
  return { status: 'timeout', sent: true, error: { code: 'timeout', message: `no answer within ${timeoutMs} ms` } };
}

/**
 * Not thrown: a request that did go out must still be audited before the run unwinds.
 * @param {boolean} sent @returns {CallOutcome}
 */
function aborted(sent) {
  return { status: 'error', sent, aborted: true, error: { code: 'aborted', message: 'the run stopped while the call was in flight' } };
}

/** @param {string} url @returns {ToolsTransport} */
function createMcpTransport(url) {
  // Sequential use only (the loop runs one call at a time), so per-request facts can live here.
  let token = '';
  /** @type {string | undefined} */
  let authCode;
  let callSent = false;
  /** @type {import('@modelcontextprotocol/sdk/client/index.js').Client | undefined} */
  let client;

  // Every HTTP request of the transport goes through here: it carries the current bearer (so a
  // refreshed token is used without rebuilding the transport) and reads the 401 code, which the
  // SDK would otherwise fold into an error message.
  /** @type {(input: string | URL, init?: RequestInit) => Promise<Response>} */
  const authFetch = async (input, init) => {
    const headers = new Headers(init?.headers);
    headers.set('authorization', `Bearer ${token}`);
    if (typeof init?.body === 'string' && init.body.includes('"tools/call"')) callSent = true;
    const res = await globalThis.fetch(input, { ...init, headers });
    if (res.status === 401) {
      authCode =
        errorCode(
          await res
            .clone()
            .json()
            .catch(() => undefined),
        ) ?? 'invalid_token';
    }
    return res;
  };

  /** @param {AbortSignal} signal */
  async function connected(signal) {
    if (client) return client;
    const [{ Client }, { StreamableHTTPClientTransport }] = await Promise.all([
      import('@modelcontextprotocol/sdk/client/index.js'),
      import('@modelcontextprotocol/sdk/client/streamableHttp.js'),
    ]);
    const c = new Client({ name: 'agent-chaos-reference-agent', version: '1.0.0' });
    // The standalone server-to-client stream is optional; its failures are not the run's.
    c.onerror = () => {};
    try {
      await c.connect(new StreamableHTTPClientTransport(new URL(url), { fetch: authFetch }), { signal, timeout: LIST_TIMEOUT_MS });
    } catch (err) {
      await c.close().catch(() => {});
      throw err;
    }
    client = c;
    return c;
  }

  /** @param {unknown} err @returns {ToolError} */
  function mcpError(err) {
    const e = /** @type {any} */ (err);
    if (authCode) return { code: authCode, message: String(e?.message ?? err), http_status: 401 };
    return { code: typeof e?.code === 'number' ? `jsonrpc_${e.code}` : 'transport', message: String(e?.message ?? err) };
  }

  return {
    async list(t, signal) {
      token = t;
      authCode = undefined;
      const scope = scoped(signal);
      try {
        const c = await connected(scope.signal);
        const res = await c.listTools(undefined, { signal: scope.signal, timeout: LIST_TIMEOUT_MS });
        const version = res._meta?.['agent-chaos/schema_version'];
        return {
          status: 'ok',
          schemaVersion: typeof version === 'string' ? version : null,
          tools: toToolInfos(res.tools, (tool) => tool._meta?.['agent-chaos/effect']),
        };
      } catch (err) {
        if (signal.aborted) throw err;
        return { status: 'error', error: mcpError(err), ...(authCode ? { authCode } : {}) };
      } finally {
        scope.release();
      }
    },

    async call({ name, args, callId, token: t, signal, timeoutMs }) {
      token = t;
      authCode = undefined;
      callSent = false;
      const scope = scoped(signal);
      try {
        const c = await connected(scope.signal);
        const res = await c.callTool({ name, arguments: args, _meta: { 'agent-chaos/call_id': callId } }, undefined, {
          signal: scope.signal,
          timeout: timeoutMs ?? MAX_TIMER_MS,
        });
        return fromMcpResult(res);
      } catch (err) {
        if (signal.aborted) return aborted(callSent);
        const { ErrorCode } = await import('@modelcontextprotocol/sdk/types.js');
        if (/** @type {any} */ (err)?.code === ErrorCode.RequestTimeout) return { ...timedOut(timeoutMs), sent: callSent };
        return { status: 'error', sent: callSent, error: mcpError(err), ...(authCode ? { authCode } : {}) };
      } finally {
        scope.release();
      }
    },

    async close() {
      await client?.close().catch(() => {});
    },
  };
}

/** @param {any} res @returns {CallOutcome} */
function fromMcpResult(res) {
  const text = Array.isArray(res?.content)
    ? res.content
        .filter((/** @type {any} */ c) => c?.type === 'text')
        .map((/** @type {any} */ c) => String(c.text))
        .join('')
    : '';
  if (res?.isError) return { status: 'error', sent: true, error: { code: 'tool_error', message: text.slice(0, 2000) } };
  if (res?.structuredContent !== undefined) return { status: 'ok', sent: true, result: res.structuredContent };
  try {
    return { status: 'ok', sent: true, result: text === '' ? null : JSON.parse(text) };
  } catch (err) {
    return {
      status: 'error',
      sent: true,
      error: { code: 'malformed_response', message: `invalid JSON: ${/** @type {Error} */ (err).message}` },
    };
  }
}
