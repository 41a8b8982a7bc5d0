// @ts-check
// The world's tools over REST (contract §3), for the examples whose framework has no tool
// transport of its own: `GET /tools`, and `POST /tools/{name}` as a guard `Send`.
import { errorCode } from './contract-world.js';

/**
 * @typedef {{ name: string, description: string, input_schema: Record<string, unknown>, effect: string }} ListedTool
 */

/**
 * @param {import('./contract-run.js').Run} run
 * @returns {Promise<{ schemaVersion: string, tools: ListedTool[] }>}
 */
export async function listRestTools(run) {
  const outcome = await run.withToken(async (token) => {
    const res = await fetch(run.env.AGENT_CHAOS_TOOLS_URL ?? '', { headers: { authorization: `Bearer ${token}` }, signal: run.signal });
    const body = await res.json().catch(() => undefined);
    return res.status === 401 ? { authCode: errorCode(body) ?? 'invalid_token', body } : { body, status: res.status };
  });
  if (!Array.isArray(outcome.body?.tools)) throw new Error(`GET /tools answered ${outcome.status ?? 401} without a tool list`);
  return { schemaVersion: String(outcome.body.schema_version ?? 'unknown'), tools: outcome.body.tools };
}

/**
 * The request for one guarded call; the call id header ties it to the model's proposal.
 * @param {Record<string, string | undefined>} env
 * @param {{ callId: string, name: string, args: Record<string, unknown> | undefined }} call
 * @returns {import('./tool-guard.js').Send}
 */
export function restSend(env, { callId, name, args }) {
  return async (token, { timeoutMs, signal }) => {
    const timeout = AbortSignal.timeout(timeoutMs);
    try {
      const res = await fetch(`${env.AGENT_CHAOS_TOOLS_URL}/${encodeURIComponent(name)}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-agent-chaos-call-id': callId },
        body: JSON.stringify(args ?? {}),
        signal: AbortSignal.any([signal, timeout]),
      });
      const text = await res.text();
      let body;
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
      if (res.status === 401) {
        const code = errorCode(body) ?? 'invalid_token';
        return { status: 'error', error: { status: 401, code }, authCode: code };
      }
      if (!res.ok) return { status: 'error', error: { status: res.status, body: body ?? text.slice(0, 2000) } };
      if (body === undefined)
        return { status: 'error', error: { code: 'malformed_response', message: 'the tool answered something that is not JSON' } };
      return { status: 'ok', result: body };
    } catch (err) {
      if (timeout.aborted && !signal.aborted) return { status: 'timeout', error: { message: `no answer within ${timeoutMs} ms` } };
      if (signal.aborted) throw signal.reason;
      return { status: 'error', error: { message: /** @type {Error} */ (err).message } };
    }
  };
}
