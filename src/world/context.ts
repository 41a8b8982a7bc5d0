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

/** Stamps a response's status on an entry, and passes the response through. */
export function settle(ctx: WorldContext, entry: LedgerEntry, response: Response): Response {
  stamp(ctx, entry, response.status);
  return response;
}

/**
 * `settle` for a fault's answer, whose body may take its time (trickled, cut): the entry's end is
 * stamped again when the body is done, and marked `abandoned` when the agent stops reading first.
 */
export function settleBody(ctx: WorldContext, entry: LedgerEntry & { abandoned?: boolean }, response: Response): Response {
  stamp(ctx, entry, response.status);
  if (!response.body) return response;
  const reader = response.body.getReader();
  const end = () => stamp(ctx, entry, entry.status);
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (!done) return controller.enqueue(value);
        end();
        controller.close();
      } catch (error) {
        end();
        controller.error(error);
      }
    },
    cancel(reason) {
      end();
      if (!ctx.closing.aborted) entry.abandoned = true;
      return reader.cancel(reason);
    },
  });
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}

/** After a fault hook returns: notes when it let go because the agent hung up (not the world closing). */
export function noteAbandoned(ctx: WorldContext, entry: { abandoned?: boolean }, signal: AbortSignal): void {
  if (signal.aborted && !ctx.closing.aborted) entry.abandoned = true;
}
