import type { ModelPolicy } from '../adversary/policy.js';
import type { Manifest } from '../config/manifest.js';
import type { Ledger, LedgerEntry, Service } from '../ledger/ledger.js';
import type { CaseSpec } from '../runner/case.js';
import type { HumanPolicy } from './human.js';
import type { Identity } from './identity.js';
import type { IdSource } from './ids.js';
import type { BeforeModelHook } from './model/fault-hook.js';
import type { CallIdMatcher } from './tools/call-id.js';
import type { BeforeToolHook } from './tools/execute.js';
import type { CatalogTool, ToolContext } from './tools/types.js';

/** The model's side of a world: its key, its policy, and how many answers it has given. */
export interface ModelState {
  readonly key: string;
  readonly policy: ModelPolicy;
  answers: number;
}

/** What every service module of one world shares (internal; the public face is `World`). */
export interface WorldContext {
  readonly spec: CaseSpec;
  readonly manifest: Manifest;
  readonly baseUrl: string;
  readonly runPath: string;
  readonly ledger: Ledger;
  readonly identity: Identity;
  readonly model: ModelState;
  readonly human: HumanPolicy;
  /** Live catalog: a later change (rug pull) is seen by the next listing and call. */
  readonly catalog: Map<string, CatalogTool>;
  readonly tools: ToolContext;
  readonly ids: IdSource;
  readonly callIds: CallIdMatcher;
  readonly beforeTool: BeforeToolHook | undefined;
  /** Told once of every request the world has answered, its entry complete (`stamp`). */
  readonly answered: ((entry: LedgerEntry) => void) | undefined;
  readonly beforeModel: BeforeModelHook | undefined;
  /** Aborted when the world closes: anything held open (hangs, streams) lets go. */
  readonly closing: AbortSignal;
  now(): number;
  /** Absolute URL of a path under this world, for msw handler patterns. */
  url(path: string): string;
  /** The request's path and query below the run's base URL. */
  pathOf(request: Request): string;
}

/** A ledger entry before it is numbered; name it in `ledger.record<Draft<...>>` to keep the entry's full type. */
export type Draft<E extends LedgerEntry> = Omit<E, 'seq'>;

/** The fields a ledger entry starts with when a request arrives; `settle` stamps the answer. */
export function arrival(ctx: WorldContext, request: Request, service: Service) {
  const now = ctx.now();
  return { service, method: request.method, path: ctx.pathOf(request), startedAt: now, endedAt: now, status: 0 };
}

/** Stamps the status answered and the time on an entry. */
export function stamp(ctx: WorldContext, entry: LedgerEntry, status: number): void {
  entry.status = status;
  entry.endedAt = ctx.now();
  ctx.answered?.(entry);
}

// Statuses whose answers carry no body at all, over HTTP as in-process.
const NO_BODY_STATUS = new Set([101, 103, 204, 205, 304]);

/**
 * A bodiless answer as node:http frames it: `content-length: 0` and an empty body. In-process,
 * `new Response(null)` has neither, and clients read the two differently (the openai SDK takes a
 * zero length for "no content" but a missing one for broken JSON), so one agent would behave
 * differently under the two adapters for the same answer.
 */
export function framedLikeHttp(response: Response): Response {
  if (response.body || response.type === 'error' || NO_BODY_STATUS.has(response.status)) return response;
  if (response.headers.has('content-length')) return response;
  const headers = new Headers(response.headers);
  headers.set('content-length', '0');
  return new Response(new Uint8Array(0), { status: response.status, statusText: response.statusText, headers });
}

/** Stamps a response's status on an entry, and passes the response through. */
export function settle(ctx: WorldContext, entry: LedgerEntry, response: Response): Response {
  stamp(ctx, entry, response.status);
  return framedLikeHttp(response);
}

/**
 * `settle` for a fault's answer, whose body may take its time (trickled, cut): the entry's end is
 * stamped again when the body is done, and marked `abandoned` when the agent stops reading first.
 * `hangUp` is the request's own signal (not the world's closing). However the agent goes away
 * (it cancels the body, the bridge's socket closes, an in-process fetch is aborted and the body's
 * source errors on it), the entry is settled once, the same way: both adapters then record the
 * same ledger for the same behaviour.
 */
export function settleBody(
  ctx: WorldContext,
  entry: LedgerEntry & { abandoned?: boolean },
  response: Response,
  hangUp: AbortSignal,
): Response {
  stamp(ctx, entry, response.status);
  if (!response.body) return framedLikeHttp(response);
  const reader = response.body.getReader();
  let state: 'reading' | 'done' | 'gone' = 'reading';
  const finish = (to: 'done' | 'gone') => {
    if (state !== 'reading') return;
    state = to;
    hangUp.removeEventListener('abort', onHangUp);
    stamp(ctx, entry, entry.status);
    // Closing the world lets go of every body; that is not the agent giving up.
    if (to === 'gone' && !ctx.closing.aborted) entry.abandoned = true;
  };
  const letGo = (reason?: unknown) => {
    if (state !== 'reading') return;
    finish('gone');
    void reader.cancel(reason).catch(() => {});
  };
  function onHangUp() {
    letGo(hangUp.reason);
  }
  if (hangUp.aborted) letGo(hangUp.reason);
  else hangUp.addEventListener('abort', onHangUp, { once: true });

  const abandoned = () => new Error('agent-chaos: body abandoned');
  // A function, so the compiler does not keep its narrowing across the await below.
  const gone = () => state === 'gone';
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (gone()) return controller.error(abandoned());
      try {
        const { done, value } = await reader.read();
        // Let go of while this read waited: a cut body must not pass for a whole one.
        if (gone()) return controller.error(abandoned());
        if (!done) return controller.enqueue(value);
        finish('done');
        controller.close();
      } catch (error) {
        // A source that errors because the agent hung up (a trickle's pause cut short) is the
        // agent going away, not the world dropping the connection.
        finish(hangUp.aborted ? 'gone' : 'done');
        controller.error(error);
      }
    },
    cancel(reason) {
      letGo(reason);
    },
  });
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}

/** After a fault hook returns: notes when it let go because the agent hung up (not the world closing). */
export function noteAbandoned(ctx: WorldContext, entry: { abandoned?: boolean }, signal: AbortSignal): void {
  if (signal.aborted && !ctx.closing.aborted) entry.abandoned = true;
}
