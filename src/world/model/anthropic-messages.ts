import type { RequestHandler } from 'msw';
import type { WorldContext } from '../context.js';
import { notImplementedModelApi } from './not-implemented.js';

/** `POST /anthropic/v1/messages` (Anthropic Messages API). Not answered yet: 501. */
export function anthropicMessagesHandlers(ctx: WorldContext): RequestHandler[] {
  return [notImplementedModelApi(ctx, '/anthropic/v1/messages', 'anthropic')];
}
