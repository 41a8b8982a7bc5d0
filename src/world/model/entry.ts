import type { ModelEntry } from '../../ledger/ledger.js';
import { arrival, type Draft, type WorldContext } from '../context.js';

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
