// @ts-check
// One model call through the official openai client, streaming or not, reduced to what the loop
// needs: the assistant message, token usage, and on failure whether another try makes sense.
// Retries live in the loop, because every attempt is a model call to audit and to budget.
import OpenAI from 'openai';
import { retryAfterMs, scoped } from './http.js';

/**
 * @typedef {{ id: string, name: string, arguments: string }} ProposedCall
 * @typedef {{ content: string, toolCalls: ProposedCall[], inputTokens: number, outputTokens: number }} ModelReply
 * @typedef {{ retryable: boolean, retryAfterMs?: number, status?: number, message: string }} ModelFailure
 */

export class ModelCallError extends Error {
  /** @param {ModelFailure} failure */
  constructor(failure) {
    super(failure.message);
    this.name = 'ModelCallError';
    this.failure = failure;
  }
}

/**
 * @param {{ baseURL: string, apiKey: string, model: string, stream: boolean }} options
 */
export function createModel({ baseURL, apiKey, model, stream }) {
  /** @type {OpenAI | undefined} */
  let client;
  // Built on first use, so a run missing its environment fails cleanly rather than in here.
  // Retries are ours (bounded, audited): the client must not retry behind our back. The nulls
  // stop the client from reading organization and project from a process.env that module-mode
  // runs share with whoever else lives in the process.
  const getClient = () =>
    (client ??= new OpenAI({ baseURL, apiKey, maxRetries: 0, organization: null, project: null, adminAPIKey: null, webhookSecret: null }));

  /**
   * @param {{ messages: any[], tools: any[], signal: AbortSignal, timeoutMs: number, maxTokens?: number }} req
   *   `maxTokens`: the most the answer may cost (max_completion_tokens)
   * @returns {Promise<ModelReply>}
   */
  async function complete({ messages, tools, signal, timeoutMs, maxTokens }) {
    const body = {
      model,
      messages,
      ...(tools.length > 0 ? { tools } : {}),
      ...(maxTokens !== undefined ? { max_completion_tokens: maxTokens } : {}),
    };
    const call = scoped(signal);
    const options = { signal: call.signal, timeout: timeoutMs };
    try {
      const reply = stream ? await streamed(getClient(), body, options) : whole(await getClient().chat.completions.create(body, options));
      return withUsageEstimate(reply, messages);
    } catch (err) {
      if (err instanceof ModelCallError || signal.aborted) throw err;
      throw new ModelCallError(classify(err));
    } finally {
      call.release();
    }
  }

  return { complete };
}

/** @param {any} res @returns {ModelReply} */
function whole(res) {
  const message = res?.choices?.[0]?.message;
  if (!message) throw new ModelCallError({ retryable: false, message: 'model response has no choices' });
  return {
    content: typeof message.content === 'string' ? message.content : '',
    toolCalls: (Array.isArray(message.tool_calls) ? message.tool_calls : []).map((/** @type {any} */ c) => ({
      id: String(c?.id ?? ''),
      name: String(c?.function?.name ?? ''),
      arguments: typeof c?.function?.arguments === 'string' ? c.function.arguments : JSON.stringify(c?.function?.arguments ?? {}),
    })),
    inputTokens: Number(res.usage?.prompt_tokens ?? NaN),
    outputTokens: Number(res.usage?.completion_tokens ?? NaN),
  };
}

/**
 * Assembles the SSE deltas: content is concatenated, tool calls are put together by index.
 * @param {OpenAI} client @param {any} body @param {{ signal: AbortSignal, timeout: number }} options
 * @returns {Promise<ModelReply>}
 */
async function streamed(client, body, options) {
  const stream = /** @type {AsyncIterable<any>} */ (
    /** @type {unknown} */ (
      await client.chat.completions.create({ ...body, stream: true, stream_options: { include_usage: true } }, options)
    )
  );
  let content = '';
  /** @type {ProposedCall[]} */
  const calls = [];
  /** @type {any} */
  let usage;
  for await (const chunk of stream) {
    if (chunk.usage) usage = chunk.usage;
    const delta = chunk.choices?.find((/** @type {any} */ c) => (c.index ?? 0) === 0)?.delta;
    if (!delta) continue;
    if (typeof delta.content === 'string') content += delta.content;
    for (const part of Array.isArray(delta.tool_calls) ? delta.tool_calls : []) {
      const index = part.index ?? calls.length;
      calls[index] ??= { id: '', name: '', arguments: '' };
      const slot = calls[index];
      if (part.id) slot.id = String(part.id);
      if (part.function?.name) slot.name += String(part.function.name);
      if (part.function?.arguments) slot.arguments += String(part.function.arguments);
    }
  }
  return {
    content,
    toolCalls: calls.filter(Boolean),
    inputTokens: Number(usage?.prompt_tokens ?? NaN),
    outputTokens: Number(usage?.completion_tokens ?? NaN),
  };
}

/**
 * A response without usage still costs tokens: estimate (4 characters a token) rather than count
 * it as free, or a model that omits usage would never hit the token budget.
 * @param {ModelReply} reply @param {any[]} messages
 */
function withUsageEstimate(reply, messages) {
  const estimate = (/** @type {string} */ text) => Math.ceil(text.length / 4);
  return {
    ...reply,
    inputTokens: Number.isFinite(reply.inputTokens) ? reply.inputTokens : estimate(JSON.stringify(messages)),
    outputTokens: Number.isFinite(reply.outputTokens) ? reply.outputTokens : estimate(reply.content + JSON.stringify(reply.toolCalls)),
  };
}

/** @param {unknown} err @returns {ModelFailure} */
function classify(err) {
  if (err instanceof OpenAI.APIConnectionError) return { retryable: true, message: err.message };
  if (err instanceof OpenAI.APIError && typeof err.status === 'number') {
    const retryable = err.status === 408 || err.status === 409 || err.status === 429 || err.status >= 500;
    return { retryable, status: err.status, retryAfterMs: retryAfterMs(err.headers), message: err.message };
  }
  // A stream cut mid-way, or a body the client could not parse.
  return { retryable: true, message: String(/** @type {any} */ (err)?.message ?? err) };
}
