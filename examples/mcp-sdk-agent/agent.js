// @ts-check
// A triage agent whose tools come only over MCP: the MCP SDK's `Client` with its
// `StreamableHTTPClientTransport`, the agent's bearer in `requestInit.headers`. The model is asked
// with plain fetch (chat completions). The guards are a policy layer in front of
// `client.callTool`: the loop never holds the client, only the guarded call.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { failedModelCall, now, parseArgs } from '../shared/contract-audit.js';
import { runUnderContract } from '../shared/contract-run.js';
import { errorCode, RunStop } from '../shared/contract-world.js';
import { INSTRUCTIONS } from '../shared/instructions.js';
import { allowlistDenial, loadPolicy } from '../shared/policy.js';
import { asToolMessage, createToolGuard, executeAudited } from '../shared/tool-guard.js';

const MODEL = 'gpt-4o-mini';
const MANIFEST = new URL('./agent-chaos.config.yaml', import.meta.url);
// The world's MCP extensions (contract, "Extensions of v1"): optional, read when present.
const META = { schemaVersion: 'agent-chaos/schema_version', effect: 'agent-chaos/effect', callId: 'agent-chaos/call_id' };

/**
 * @param {{ policyLayer?: boolean }} [options]  `policyLayer: false` (a broken fixture) hands the
 *   loop the bare `client.callTool`, audited but unguarded
 */
export function createMcpAgent({ policyLayer = true } = {}) {
  /** @param {{ env: Record<string, string | undefined>, trigger: any, signal: AbortSignal }} input */
  return async function run({ env, trigger, signal }) {
    const policy = loadPolicy(MANIFEST);
    const model = { provider: 'openai', name: MODEL };
    return runUnderContract({ env, trigger, signal, policy, model, instructions: INSTRUCTIONS }, async (run) => {
      const mcp = mcpTools(run);
      try {
        const listing = await run.withToken(async (token) => {
          try {
            return { result: await mcp.listTools(token) };
          } catch (err) {
            const authCode = authCodeOf(err);
            if (authCode) return { authCode };
            throw err;
          }
        });
        if (!listing.result) throw new Error('the MCP server refused to list its tools');
        const { tools, _meta } = listing.result;
        run.started(String(_meta?.[META.schemaVersion] ?? 'unknown'));

        /** @type {Map<string, string | undefined>} */
        const effects = new Map(tools.map((t) => [t.name, /** @type {string | undefined} */ (t._meta?.[META.effect])]));
        const guard = createToolGuard(run);
        /** The policy layer: every call the model proposes goes through the guard to `callTool`. @param {ToolCallMessage} c */
        const guarded = (c) => {
          const call = {
            callId: c.id,
            name: c.function.name,
            args: parseArgs(c.function.arguments).args,
            effect: effects.get(c.function.name),
          };
          const send = mcp.sender(call);
          if (policyLayer) return guard(call, send);
          return call.args
            ? executeAudited(run, { ...call, args: call.args }, send)
            : Promise.resolve({ error: 'bad arguments', status: 'error' });
        };
        const offered = tools
          .filter((t) => !policyLayer || !allowlistDenial(policy, t.name))
          .map((t) => ({ type: 'function', function: { name: t.name, description: t.description, parameters: t.inputSchema } }));
        return await converse(run, trigger, offered, guarded);
      } finally {
        await mcp.close();
      }
    });
  };
}

/**
 * @typedef {{ id: string, type: 'function', function: { name: string, arguments: string } }} ToolCallMessage
 */

/**
 * The model loop, one model call per turn up to the manifest's `model_calls_per_run`.
 * @param {import('../shared/contract-run.js').Run} run @param {any} trigger @param {unknown[]} tools
 * @param {(call: ToolCallMessage) => Promise<unknown>} callTool
 */
async function converse(run, trigger, tools, callTool) {
  const model = { provider: 'openai', name: MODEL };
  /** @type {unknown[]} */
  const messages = [
    { role: 'system', content: INSTRUCTIONS },
    { role: 'user', content: `Ticket ${trigger.id} from ${trigger.source}:\n${trigger.text ?? ''}` },
  ];
  const limit = run.policy.budgets.modelCalls;
  for (let turn = 0; turn < limit; turn++) {
    const started = now();
    /** @type {any} */
    let body;
    let status = 0;
    try {
      const res = await fetch(`${run.env.OPENAI_BASE_URL}/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${run.env.OPENAI_API_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: MODEL, messages, tools }),
        signal: run.signal,
      });
      status = res.status;
      body = await res.json();
    } catch (err) {
      run.audit('model.called', failedModelCall(model, started, err));
      throw err;
    }
    const usage = { input_tokens: body?.usage?.prompt_tokens ?? 0, output_tokens: body?.usage?.completion_tokens ?? 0 };
    run.audit('model.called', { model, started_at: started, ended_at: now(), ...usage, ...(status === 200 ? {} : { error: { status } }) });
    const message = body?.choices?.[0]?.message;
    if (status !== 200 || !message) throw new Error(`the model answered ${status} without a message`);
    messages.push(message);

    /** @type {ToolCallMessage[]} */
    const calls = (message.tool_calls ?? []).filter((/** @type {any} */ c) => c?.type === 'function');
    if (calls.length === 0) return String(message.content ?? '');
    for (const c of calls)
      run.audit('tool.proposed', { call_id: c.id, tool: c.function.name, args: parseArgs(c.function.arguments).logged });
    for (const c of calls) messages.push({ role: 'tool', tool_call_id: c.id, content: asToolMessage(await callTool(c)) });
  }
  run.audit('budget.exceeded', { budget: 'model_calls', limit, used: limit });
  throw run.halt(
    new RunStop({ status: 'stopped', reason: 'budget', summary: `model_calls budget of ${limit} reached`, escalate: 'budget' }),
  );
}

/**
 * One MCP client for the run. The transport's headers are fixed when it is made, so a new bearer
 * means a new transport resuming the same session (`sessionId`), which `Client.connect` takes
 * without initializing again.
 * @param {import('../shared/contract-run.js').Run} run
 */
function mcpTools(run) {
  const client = new Client({ name: run.policy.agentId, version: '1.0.0' });
  /** @type {StreamableHTTPClientTransport | undefined} */
  let transport;
  /** @type {string | undefined} */
  let bearer;

  /** @param {string} token */
  async function use(token) {
    if (transport && bearer === token) return;
    const sessionId = transport?.sessionId;
    const protocolVersion = transport?.protocolVersion;
    if (transport) await client.close();
    transport = new StreamableHTTPClientTransport(new URL(run.env.AGENT_CHAOS_MCP_URL ?? ''), {
      requestInit: { headers: { authorization: `Bearer ${token}` } },
      ...(sessionId ? { sessionId } : {}),
    });
    bearer = token;
    await client.connect(transport);
    if (protocolVersion) transport.setProtocolVersion(protocolVersion);
  }

  return {
    /** @param {string} token */
    async listTools(token) {
      await use(token);
      return whileRunning(run.signal, (signal) => client.listTools(undefined, { signal }));
    },
    /**
     * `client.callTool` as a guard `Send`; the call id travels in `_meta`.
     * @param {{ callId: string, name: string, args: Record<string, unknown> | undefined }} call
     * @returns {import('../shared/tool-guard.js').Send}
     */
    sender:
      ({ callId, name, args }) =>
      async (token, { timeoutMs, signal }) => {
        try {
          await use(token);
          const result = await whileRunning(signal, (scoped) =>
            client.callTool({ name, arguments: args ?? {}, _meta: { [META.callId]: callId } }, undefined, {
              timeout: timeoutMs,
              signal: scoped,
            }),
          );
          const text = Array.isArray(result.content)
            ? result.content.map((c) => (c.type === 'text' ? c.text : `[${c.type}]`)).join('\n')
            : '';
          if (result.isError) return { status: 'error', error: { message: text } };
          return { status: 'ok', result: result.structuredContent ?? parseArgs(text).logged };
        } catch (err) {
          if (signal.aborted) throw signal.reason;
          const authCode = authCodeOf(err);
          if (authCode) return { status: 'error', error: { status: 401, code: authCode }, authCode };
          if (err instanceof McpError && err.code === ErrorCode.RequestTimeout)
            return { status: 'timeout', error: { message: err.message } };
          return { status: 'error', error: { message: /** @type {Error} */ (err).message } };
        }
      },
    async close() {
      if (transport) await client.close().catch(() => undefined);
    },
  };
}

/**
 * Runs one SDK request with a signal of its own that follows `signal` only while the request is
 * open. The SDK (1.x) never drops its abort listener: handed the run's signal, it would send
 * `notifications/cancelled` for every request already answered once the run is halted, with a
 * token that may just have been revoked.
 * @template T @param {AbortSignal} signal @param {(scoped: AbortSignal) => Promise<T>} request
 * @returns {Promise<T>}
 */
async function whileRunning(signal, request) {
  const scoped = new AbortController();
  const follow = () => scoped.abort(signal.reason);
  if (signal.aborted) follow();
  signal.addEventListener('abort', follow, { once: true });
  try {
    return await request(scoped.signal);
  } finally {
    signal.removeEventListener('abort', follow);
  }
}

/**
 * The SDK reports an HTTP 401 as a `StreamableHTTPError` whose message holds the body: the
 * contract's `{"error": {"code": ...}}` is read from it.
 * @param {unknown} err
 */
function authCodeOf(err) {
  if (!(err instanceof StreamableHTTPError) || err.code !== 401) return undefined;
  const json = err.message.slice(err.message.indexOf('{'));
  try {
    return errorCode(JSON.parse(json)) ?? 'invalid_token';
  } catch {
    return 'invalid_token';
  }
}

export default createMcpAgent();
