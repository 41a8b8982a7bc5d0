import { http, type RequestHandler } from 'msw';
import type { ModelEntry } from '../../ledger/ledger.js';
import { settle, type WorldContext } from '../context.js';
import { jsonError, readJson } from '../http.js';
import { openModelEntry } from './entry.js';
import { flattenText } from './view.js';

/**
 * A model API the world does not answer yet: 501, and a ledger entry with what the agent sent,
 * so an agent that uses it fails visibly instead of silently.
 */
export function notImplementedModelApi(ctx: WorldContext, path: string, api: Exclude<ModelEntry['api'], 'models'>): RequestHandler {
  return http.post(ctx.url(path), async ({ request }) => {
    const entry = openModelEntry(ctx, request, api);
    const body = await readJson(request);
    entry.inputText = body.ok ? flattenText(body.value) : body.text;
    entry.fault = 'not_implemented';
    return settle(ctx, entry, jsonError(501, 'not_implemented', `the ${api} API is not served yet`));
  });
}
