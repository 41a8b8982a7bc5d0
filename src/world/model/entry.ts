import type { ModelEntry } from '../../ledger/ledger.js';
import { isPlainObject } from '../canonical.js';
import { arrival, type Draft, type WorldContext } from '../context.js';
import { type ParsedBody, readJson } from '../http.js';
import { flattenText } from './view.js';

/** Records a model request on arrival, as refused until an answer says otherwise. */
export function openModelEntry(ctx: WorldContext, request: Request, api: ModelEntry['api']) {
  return ctx.ledger.record<Draft<ModelEntry>>({
    ...arrival(ctx, request, 'model'),
    kind: 'model',
    api,
    stream: false,
    model: undefined,
    turn: -1,
    proposed: [],
    text: undefined,
    usage: undefined,
    inputText: '',
  });
}

/** A model request as every API's handler starts from it. */
export interface ModelRequest {
  entry: ModelEntry;
  body: ParsedBody;
  /** The body, when it is a JSON object. */
  params: Record<string, unknown> | undefined;
  model: string | undefined;
  /** The `tools` the agent offered the model, in the API's own shape. */
  offered: unknown[];
}

/**
 * Records a model request and reads what every API has in common: `model`, `stream`, `tools`,
 * and what the model reads (`prompt(params)`: the API's instructions and messages, then the
 * tools). Recorded before any refusal: what an agent sends a model is evidence even when refused.
 */
export async function openModelRequest(
  ctx: WorldContext,
  request: Request,
  api: Exclude<ModelEntry['api'], 'models'>,
  prompt: (params: Record<string, unknown>) => unknown[],
): Promise<ModelRequest> {
  const entry = openModelEntry(ctx, request, api);
  const body = await readJson(request);
  const params = body.ok && isPlainObject(body.value) ? body.value : undefined;
  const model = typeof params?.model === 'string' ? params.model : undefined;
  const offered = Array.isArray(params?.tools) ? params.tools : [];
  Object.assign(entry, {
    model,
    stream: params?.stream === true,
    inputText: params ? flattenText(...prompt(params), offered) : body.text,
  });
  return { entry, body, params, model, offered };
}
