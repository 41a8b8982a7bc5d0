import type { RequestHandler } from 'msw';
import type { WorldContext } from '../context.js';
import { notImplementedModelApi } from './not-implemented.js';

/** `POST /v1/responses` (OpenAI Responses API). Not answered yet: 501. */
export function openAiResponsesHandlers(ctx: WorldContext): RequestHandler[] {
  return [notImplementedModelApi(ctx, '/v1/responses', 'responses')];
}
