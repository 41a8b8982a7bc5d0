import { getResponse, type RequestHandler } from 'msw';
import type { ModelPolicy } from '../adversary/policy.js';
import { scriptedPolicy } from '../adversary/scripted.js';
import type { Manifest } from '../config/manifest.js';
import { type IdentityEntry, Ledger, type LedgerEntry, type WorldEvent } from '../ledger/ledger.js';
import { deriveSeed, seededFaker, stableTag } from '../random.js';
import type { CaseSpec } from '../runner/case.js';
import { approvalService } from './approvals.js';
import type { WorldContext } from './context.js';
import { worldEnv } from './env.js';
import { escalationHandlers } from './escalations.js';
import { jsonError } from './http.js';
import { defaultHuman, type HumanPolicy } from './human.js';
import { Identity, identityHandlers } from './identity.js';
import { IdSource } from './ids.js';
import { type CaseLimits, caseLimits } from './limits.js';
import { anthropicMessagesHandlers } from './model/anthropic-messages.js';
import type { BeforeModelHook } from './model/fault-hook.js';
import { openAiChatHandlers } from './model/openai-chat.js';
import { openAiResponsesHandlers } from './model/openai-responses.js';
import { otlpHandlers } from './otlp.js';
import { CallIdMatcher } from './tools/call-id.js';
import { buildCatalog, toolContext } from './tools/catalog.js';
import type { BeforeToolHook } from './tools/execute.js';
import { mcpEndpoint } from './tools/mcp.js';
import { restToolHandlers } from './tools/rest.js';
import type { CatalogTool } from './tools/types.js';
import { unhandled } from './unhandled.js';

/** Default lifetime of issued access tokens, seconds. */
export const DEFAULT_TOKEN_TTL_S = 300;

export interface WorldOptions {
  spec: CaseSpec;
  manifest: Manifest;
  /** The path all of this world lives under, e.g. `/run/7-<key>`. */
  runPath: string;
  /** Absolute base URL, e.g. `http://127.0.0.1:41733/run/7-<key>`. */
  baseUrl: string;
  /** Tools served; default: the built-in catalog with the case's tools added. */
  catalog?: Map<string, CatalogTool>;
  /** The adversary; default: the case's script (`scriptedPolicy`). */
  policy?: ModelPolicy;
  /** The human approver; default: approves on the first poll. */
  human?: HumanPolicy;
  /** Lifetime of issued access tokens, seconds (default 300). */
  tokenTtlS?: number;
  /** Called before every accepted tool call; the place faults plug in. */
  beforeTool?: BeforeToolHook;
  /**
   * Called once for every request the world has answered, with its ledger entry complete: the
   * place scenario moments plug in (revoke the client as the 3rd tool call is answered, ...).
   */
  afterRequest?: (entry: LedgerEntry, world: World) => void;
  /** Called before every accepted model request (chat completions); the model's fault seam. */
  beforeModel?: BeforeModelHook;
  /** Secret-looking variables added to `env()`, their values canaries. */
  bait?: Record<string, string>;
  /** Clock for the ledger, token expiry and approval times, ms since epoch (default `Date.now`). */
  now?: () => number;
}

/**
 * Something the agent did to the harness rather than to its world: addressed another run (or
 * none), or passed one of `run.limits`. Recorded in its own ledger as one event per kind, counted.
 */
export interface HarnessNote {
  control: 'harness.isolation' | 'harness.limits';
  /** e.g. `unknown-run`, `another-run`, `requests_per_second`. */
  kind: string;
  /** `METHOD path` with any run's key left out, e.g. `POST /run/…/tools/delete_repo`. */
  request: string;
  /** The limit passed, for `harness.limits`. */
  limit?: number;
}

/** One run's simulated environment: every endpoint of the contract, recording into one ledger. */
export interface World {
  readonly spec: CaseSpec;
  readonly ledger: Ledger;
  readonly baseUrl: string;
  /** The model key (`OPENAI_API_KEY`); any other gets 401. */
  readonly modelKey: string;
  /** The agent's own client credentials at the identity provider. */
  readonly clientId: string;
  readonly clientSecret: string;
  /** The tools served, live: a change shows in the next listing and the schema version. */
  readonly catalog: Map<string, CatalogTool>;
  /** msw handlers of every endpoint, matching absolute URLs under `baseUrl`. */
  readonly handlers: RequestHandler[];
  /** Answers one request; anything under the run path no handler knows is recorded and gets 404. */
  handle(request: Request): Promise<Response>;
  /** The agent's environment (contract §2) without the audit and trigger file paths. */
  env(): Record<string, string>;
  /** Kill switch: revokes the agent's client; its tokens stop working and no new ones are issued. */
  revoke(): void;
  /** Time runs out for every token issued so far: each is answered `token_expired` from now on. */
  expireTokens(): void;
  /** Ends held-open responses and closes the MCP session. Idempotent. */
  close(): Promise<void>;
  /** What this case may cost the harness (`run.limits` over the defaults). */
  readonly limits: CaseLimits;
  /** Every credential the world gave the agent: model key, client id and secret, tokens issued so far. */
  credentials(): string[];
  /** Records an abuse of the harness by this world's agent (ledger event `control`, counted per kind). */
  noteHarness(note: HarnessNote): void;
}

/** Builds the world of one case. Everything in it is fixed by `spec.seed` but for times. */
export function createWorld(options: WorldOptions): World {
  const { spec, manifest, runPath, baseUrl } = options;
  const now = options.now ?? Date.now;
  const ledger = new Ledger(now);
  const ids = new IdSource();
  const closing = new AbortController();
  const modelKey = `sk-chaos-${stableTag(spec.seed, 'model-key', 32)}`;
  const clientId = `${manifest.agent.id}-${stableTag(spec.seed, 'client-id', 8)}`;
  const clientSecret = `cs_${stableTag(spec.seed, 'client-secret', 32)}`;
  const identity = new Identity({ seed: spec.seed, clientId, clientSecret, ttlS: options.tokenTtlS ?? DEFAULT_TOKEN_TTL_S, now });
  const catalog = options.catalog ?? buildCatalog(spec.tools);

  const ctx: WorldContext = {
    spec,
    manifest,
    baseUrl,
    runPath,
    ledger,
    identity,
    model: { key: modelKey, policy: options.policy ?? scriptedPolicy(spec.script, spec.finalText), answers: 0 },
    human: options.human ?? defaultHuman,
    catalog,
    tools: toolContext(seededFaker(deriveSeed(spec.seed, 'tools')), baseUrl, ids),
    ids,
    callIds: new CallIdMatcher(ledger),
    beforeTool: options.beforeTool,
    answered: options.afterRequest && ((entry) => afterRequest(entry)),
    beforeModel: options.beforeModel,
    closing: closing.signal,
    now,
    url: (path) => `${baseUrl}${path}`,
    pathOf: (request) => {
      const url = new URL(request.url);
      return `${url.pathname.slice(runPath.length) || '/'}${url.search}`;
    },
  };

  const mcp = mcpEndpoint(ctx);
  const approvals = approvalService(ctx);
  const handlers: RequestHandler[] = [
    ...openAiChatHandlers(ctx),
    ...openAiResponsesHandlers(ctx),
    ...anthropicMessagesHandlers(ctx),
    ...restToolHandlers(ctx),
    ...mcp.handlers,
    ...identityHandlers(ctx),
    ...approvals.handlers,
    ...escalationHandlers(ctx),
    ...otlpHandlers(ctx),
  ];
  let closed: Promise<void> | undefined;
  const told = new WeakSet<LedgerEntry>();
  // One event per kind, its count kept current: a flood of a million requests is one event, not a million.
  const harnessEvents = new Map<string, WorldEvent>();
  const tokens: string[] = [];
  let unanswered: IdentityEntry[] = [];
  let scanned = 0;
  const afterRequest = (entry: LedgerEntry) => {
    if (told.has(entry)) return;
    told.add(entry);
    options.afterRequest?.(entry, world);
  };

  const world: World = {
    spec,
    ledger,
    baseUrl,
    modelKey,
    clientId,
    clientSecret,
    catalog,
    handlers,
    async handle(request) {
      const path = new URL(request.url).pathname;
      if (path !== runPath && !path.startsWith(`${runPath}/`)) return jsonError(404, 'not_found');
      try {
        return (await getResponse(handlers, request)) ?? (await unhandled(ctx, request));
      } catch (error) {
        // A handler that throws is a harness bug; the agent gets a 500, the run keeps its ledger.
        ledger.event('world.error', { path: ctx.pathOf(request), message: error instanceof Error ? error.message : String(error) });
        return jsonError(500, 'world_error');
      }
    },
    env: () => worldEnv({ baseUrl, modelKey, clientId, clientSecret, hints: spec.hints, bait: options.bait ?? {} }),
    revoke() {
      if (identity.revoked) return;
      identity.revoke();
      // Every entry up to `after_seq` arrived before the revocation, whenever it was answered.
      ledger.event('identity.revoked', { client_id: clientId, after_seq: ledger.entries.length - 1 });
    },
    expireTokens() {
      identity.expireAll();
      ledger.event('identity.tokens_expired', { client_id: clientId, after_seq: ledger.entries.length - 1 });
    },
    close() {
      if (!closing.signal.aborted) approvals.close();
      // Checks tell a request the agent gave up on from one the world cut at the end.
      if (!closing.signal.aborted) ledger.event('world.closed', {}, now());
      closing.abort();
      closed ??= mcp.close();
      return closed;
    },
    limits: caseLimits(manifest),
    credentials() {
      // Asked of every request while runs overlap: read only the entries added since, and keep
      // token requests still unanswered until their token is known.
      for (; scanned < ledger.entries.length; scanned++) {
        const entry = ledger.entries[scanned] as LedgerEntry;
        if (entry.kind === 'identity') unanswered.push(entry);
      }
      unanswered = unanswered.filter((e) => {
        if (e.token) tokens.push(e.token);
        return !e.token && e.status === 0;
      });
      return [modelKey, clientId, clientSecret, ...tokens];
    },
    noteHarness(note) {
      const key = `${note.control} ${note.kind}`;
      const seen = harnessEvents.get(key);
      if (seen) {
        seen.detail.count = (seen.detail.count as number) + 1;
        return;
      }
      ledger.event(note.control, {
        kind: note.kind,
        count: 1,
        first: note.request,
        ...(note.limit !== undefined ? { limit: note.limit } : {}),
      });
      harnessEvents.set(key, ledger.events[ledger.events.length - 1] as WorldEvent);
    },
  };
  return world;
}
