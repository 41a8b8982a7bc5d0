import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpResponse, http } from 'msw';
import { type SetupServer, setupServer } from 'msw/node';
import { HarnessError } from '../errors.js';
import { BodyTooLargeError, toFetchRequest, writeFetchResponse } from './bridge.js';
import { bearerOf, jsonError } from './http.js';
import { type CaseLimits, DEFAULT_LIMITS, LIMIT_KEYS } from './limits.js';
import type { World } from './world.js';

/** What the host needs of a world; a world without credentials or limits gets the defaults and no attribution. */
export type HostedWorld = Pick<World, 'baseUrl' | 'handle' | 'close'> & Partial<Pick<World, 'limits' | 'credentials' | 'noteHarness'>>;

/** Requests to no run that carried no credential of a live run: kept by the host, reported with the run. */
export interface StrayRequests {
  count: number;
  /** The first few, as `METHOD path (why)`, run keys left out. */
  samples: string[];
}

const STRAY_SAMPLES = 20;

/** A run slot: where the next world lives. */
export interface RunSlot {
  n: number;
  runPath: string;
  baseUrl: string;
}

/**
 * Serves the worlds of one harness run on 127.0.0.1: over a node:http bridge for agents in
 * other processes, and, once `enableInProcess()` is called, by msw interception for agents in
 * this process. Each world owns the prefix `/run/{n}-{key}`, the key 128 random bits, so no agent
 * can address a run but its own; a request to another run is refused and charged to the run whose
 * credentials it carries (`harness.isolation`). Each world's share of the host is capped
 * (`run.limits`): the excess is refused (429, 413) and charged to it (`harness.limits`).
 */
export class WorldHost {
  readonly #worlds = new Map<string, HostedWorld>();
  readonly #usage = new Map<HostedWorld, { total: number; windowStart: number; inWindow: number }>();
  /** Run segments of worlds that have finished, to say so of a late request. */
  readonly #retired = new Set<string>();
  #server: Server | undefined;
  #port: number | undefined;
  #msw: SetupServer | undefined;
  #next = 0;
  /** Requests in-process agents tried to send anywhere but this host (method and URL); none got out. */
  readonly blocked: string[] = [];
  /** Requests to no live run that no run's credentials could be found on. */
  readonly strays: StrayRequests = { count: 0, samples: [] };

  /** Binds the bridge on 127.0.0.1 on a free port. */
  async start(): Promise<void> {
    if (this.#server) return;
    const server = createServer((req, res) => {
      void this.#serve(req, res);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) => reject(new HarnessError(`could not bind the world host on 127.0.0.1: ${err.message}`, { cause: err })));
      server.listen(0, '127.0.0.1', resolve);
    });
    this.#server = server;
    this.#port = (server.address() as AddressInfo).port;
  }

  get port(): number {
    if (this.#port === undefined) throw new HarnessError('the world host is not started');
    return this.#port;
  }

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The next unused run slot, under a path no other run can guess. */
  allocate(): RunSlot {
    const n = ++this.#next;
    const runPath = `/run/${n}-${randomBytes(16).toString('hex')}`;
    return { n, runPath, baseUrl: `${this.origin}${runPath}` };
  }

  /** Routes the world's run prefix (read from its base URL) to it. */
  attach(world: HostedWorld): void {
    const key = this.#keyOf(world.baseUrl);
    if (key === undefined) throw new HarnessError(`world base URL ${world.baseUrl} is not under ${this.origin}/run/`);
    if (this.#worlds.has(key)) throw new HarnessError(`a world is already attached at /run/${key}`);
    this.#worlds.set(key, world);
    this.#usage.set(world, { total: 0, windowStart: 0, inWindow: 0 });
  }

  detach(world: HostedWorld): void {
    const key = this.#keyOf(world.baseUrl);
    if (key !== undefined && this.#worlds.get(key) === world) {
      this.#worlds.delete(key);
      this.#retired.add(key);
    }
    this.#usage.delete(world);
  }

  /**
   * Intercepts this process's HTTP traffic (fetch, node:http) with msw: requests to this host go
   * straight to their world; any other request fails as a network error, so nothing an
   * in-process agent sends leaves the machine. Clients must be created after this call when
   * they capture `fetch` at construction.
   */
  enableInProcess(): void {
    if (this.#msw) return;
    const origin = this.origin;
    const msw = setupServer(
      http.all('*', ({ request }) => {
        if (new URL(request.url).origin !== origin) {
          this.blocked.push(`${request.method} ${request.url}`);
          return HttpResponse.error();
        }
        return this.#dispatch(request);
      }),
    );
    // The catch-all answers everything; 'error' is the policy should anything ever slip past it.
    msw.listen({ onUnhandledRequest: 'error' });
    this.#msw = msw;
  }

  /** Stops interception, closes every attached world, then the bridge; leaves no open handles. */
  async close(): Promise<void> {
    this.#msw?.close();
    this.#msw = undefined;
    const worlds = [...this.#worlds.values()];
    this.#worlds.clear();
    this.#usage.clear();
    await Promise.all(worlds.map((w) => w.close()));
    const server = this.#server;
    this.#server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Routes one request: to its world when it may go there, else a refusal charged to whoever sent it. */
  async #dispatch(request: Request, admitted?: HostedWorld): Promise<Response> {
    const { pathname } = new URL(request.url);
    const key = runKeyOf(pathname);
    const world = key === undefined ? undefined : this.#worlds.get(key);
    if (!world) return this.#stray(request, key);
    if (admitted !== world) {
      const refusal = this.#admit(world, request.method, pathname);
      if (refusal) return refusal;
      const declared = Number(request.headers.get('content-length') ?? 0);
      if (declared > limitsOf(world).requestBodyMaxBytes) return this.#tooLarge(world, request.method, pathname);
    }
    const owner = await this.#foreignOwner(request, world);
    if (owner) {
      owner.noteHarness?.({ control: 'harness.isolation', kind: 'another-run', request: describe(request.method, pathname) });
      return jsonError(403, 'wrong_run', 'these credentials belong to another run: each agent may address its own run only');
    }
    return world.handle(request);
  }

  /**
   * The live world, other than `target`, whose credentials the request carries when it carries
   * none of `target`'s: an agent addressing a run that is not its own.
   */
  async #foreignOwner(request: Request, target: HostedWorld): Promise<HostedWorld | undefined> {
    if (this.#worlds.size < 2 || !target.credentials) return undefined;
    const carried = credentialTexts(request);
    // A token request names its client in the body; read a copy, the world reads the original.
    if (request.method === 'POST' && new URL(request.url).pathname.endsWith('/identity/token')) {
      carried.push(
        await request
          .clone()
          .text()
          .catch(() => ''),
      );
    }
    if (carried.length === 0 || carries(carried, target)) return undefined;
    const owners = [...this.#worlds.values()].filter((w) => w !== target && carries(carried, w));
    return owners.length === 1 ? owners[0] : undefined;
  }

  /** A request to no live run: refused, and charged to the one run whose credentials it carries. */
  async #stray(request: Request, key: string | undefined): Promise<Response> {
    const { pathname } = new URL(request.url);
    const carried = credentialTexts(request);
    if (request.method !== 'GET' && request.method !== 'HEAD') carried.push(await request.text().catch(() => ''));
    // A late request of a run that has ended (an agent still running past its timeout) is that
    // run's, whoever now holds the same credentials (a fuzz case's next run has the same seed).
    const ended = key !== undefined && this.#retired.has(key);
    const owners = ended ? [] : [...this.#worlds.values()].filter((w) => carries(carried, w));
    const what = describe(request.method, pathname);
    if (owners.length === 1) {
      const owner = owners[0] as HostedWorld;
      // A flood of strays costs its sender as any other request does.
      const refusal = this.#admit(owner, request.method, pathname);
      if (refusal) return refusal;
      owner.noteHarness?.({ control: 'harness.isolation', kind: key === undefined ? 'no-run' : 'unknown-run', request: what });
    } else {
      this.strays.count++;
      if (this.strays.samples.length < STRAY_SAMPLES) {
        const why =
          owners.length > 1
            ? 'carried the credentials of several runs'
            : ended
              ? 'to a run that has ended'
              : 'carried no credential of a live run';
        this.strays.samples.push(`${what} (${why})`);
      }
    }
    return jsonError(404, 'unknown_run', 'no run at this path: each agent may address its own run only');
  }

  /** Counts a request against its world's rate limits; the refusal when it is over one. */
  #admit(world: HostedWorld, method: string, pathname: string): Response | undefined {
    const usage = this.#usage.get(world);
    if (!usage) return undefined;
    const limits = limitsOf(world);
    const now = Date.now();
    if (now - usage.windowStart >= 1000) {
      usage.windowStart = now;
      usage.inWindow = 0;
    }
    const over: keyof CaseLimits | undefined =
      usage.total >= limits.requestsPerCase
        ? 'requestsPerCase'
        : usage.inWindow >= limits.requestsPerSecond
          ? 'requestsPerSecond'
          : undefined;
    if (over === undefined) {
      usage.total++;
      usage.inWindow++;
      return undefined;
    }
    world.noteHarness?.({ control: 'harness.limits', kind: LIMIT_KEYS[over], request: describe(method, pathname), limit: limits[over] });
    return jsonError(429, 'harness_rate_limit', `over ${LIMIT_KEYS[over]} (${limits[over]})`, { 'retry-after': '1' });
  }

  #tooLarge(world: HostedWorld, method: string, pathname: string): Response {
    const limit = limitsOf(world).requestBodyMaxBytes;
    world.noteHarness?.({ control: 'harness.limits', kind: LIMIT_KEYS.requestBodyMaxBytes, request: describe(method, pathname), limit });
    return jsonError(413, 'request_too_large', `the body is over ${LIMIT_KEYS.requestBodyMaxBytes} (${limit} bytes)`);
  }

  async #serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const { pathname } = new URL(req.url ?? '/', this.origin);
      const key = runKeyOf(pathname);
      const world = key === undefined ? undefined : this.#worlds.get(key);
      const method = req.method ?? 'GET';
      // Refused before the body is read: an excess request costs the host as little as it can.
      let refusal = world && this.#admit(world, method, pathname);
      const maxBody = world ? limitsOf(world).requestBodyMaxBytes : DEFAULT_LIMITS.requestBodyMaxBytes;
      if (!refusal && Number(req.headers['content-length'] ?? 0) > maxBody) {
        refusal = world ? this.#tooLarge(world, method, pathname) : this.#tooLargeStray(method, pathname);
      }
      if (refusal) return await this.#refuse(res, refusal);
      let request: Request;
      try {
        request = await toFetchRequest(req, res, this.origin, maxBody);
      } catch (err) {
        if (!(err instanceof BodyTooLargeError)) throw err;
        return await this.#refuse(res, world ? this.#tooLarge(world, method, pathname) : this.#tooLargeStray(method, pathname));
      }
      await writeFetchResponse(res, await this.#dispatch(request, world));
    } catch {
      // The client went away mid-request, or the world failed; nothing left to answer.
      if (!res.headersSent) await writeFetchResponse(res, jsonError(500, 'host_error')).catch(() => {});
      else res.destroy();
    }
  }

  #tooLargeStray(method: string, pathname: string): Response {
    this.strays.count++;
    if (this.strays.samples.length < STRAY_SAMPLES)
      this.strays.samples.push(`${describe(method, pathname)} (a body over the limit, to no run)`);
    return jsonError(413, 'request_too_large', 'the body is over the limit');
  }

  /** Answers a refusal and drops the connection: the unread rest of a body, or a flood, ends there. */
  async #refuse(res: ServerResponse, response: Response): Promise<void> {
    res.shouldKeepAlive = false;
    await writeFetchResponse(res, response);
  }

  #keyOf(baseUrl: string): string | undefined {
    const prefix = `${this.origin}/run/`;
    if (!baseUrl.startsWith(prefix)) return undefined;
    const key = baseUrl.slice(prefix.length);
    return /^[^/]+$/.test(key) ? key : undefined;
  }
}

/** The run segment of a path under `/run/`. */
function runKeyOf(pathname: string): string | undefined {
  return /^\/run\/([^/]+)(?:\/|$)/.exec(pathname)?.[1];
}

function limitsOf(world: HostedWorld): CaseLimits {
  return world.limits ?? DEFAULT_LIMITS;
}

/** `METHOD path` with the run segment left out: another run's key never lands in a report. */
function describe(method: string, pathname: string): string {
  const path = pathname.replace(/^\/run\/[^/]+/, '/run/…');
  return `${method} ${path.length > 200 ? `${path.slice(0, 200)}…` : path}`;
}

/** The places a request carries credentials: the Authorization header (bearer or basic), API key headers. */
function credentialTexts(request: Request): string[] {
  const texts: string[] = [];
  const bearer = bearerOf(request);
  if (bearer) {
    texts.push(bearer);
    const basic = /^basic\s+(.+)$/i.exec(bearer);
    if (basic) texts.push(Buffer.from(basic[1] as string, 'base64').toString('utf8'));
  }
  for (const name of ['x-api-key', 'api-key']) {
    const value = request.headers.get(name);
    if (value) texts.push(value);
  }
  return texts;
}

function carries(texts: readonly string[], world: HostedWorld): boolean {
  const credentials = world.credentials?.() ?? [];
  return credentials.some((c) => c !== '' && texts.some((t) => t.includes(c)));
}
