import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpResponse, http } from 'msw';
import { type SetupServer, setupServer } from 'msw/node';
import { HarnessError } from '../errors.js';
import { toFetchRequest, writeFetchResponse } from './bridge.js';
import { jsonError } from './http.js';
import type { World } from './world.js';

/** What the host needs of a world. */
export type HostedWorld = Pick<World, 'baseUrl' | 'handle' | 'close'>;

/** A run slot: where the next world lives. */
export interface RunSlot {
  n: number;
  runPath: string;
  baseUrl: string;
}

/**
 * Serves the worlds of one harness run on 127.0.0.1: over a node:http bridge for agents in
 * other processes, and, once `enableInProcess()` is called, by msw interception for agents in
 * this process. Each world owns the prefix `/run/{n}`.
 */
export class WorldHost {
  readonly #worlds = new Map<string, HostedWorld>();
  #server: Server | undefined;
  #port: number | undefined;
  #msw: SetupServer | undefined;
  #next = 0;
  /** Requests in-process agents tried to send anywhere but this host (method and URL); none got out. */
  readonly blocked: string[] = [];

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

  runPathFor(n: number): string {
    return `/run/${n}`;
  }

  baseUrlFor(n: number): string {
    return `${this.origin}${this.runPathFor(n)}`;
  }

  /** The next unused run slot. */
  allocate(): RunSlot {
    const n = ++this.#next;
    return { n, runPath: this.runPathFor(n), baseUrl: this.baseUrlFor(n) };
  }

  /** Routes the world's `/run/{n}` prefix (read from its base URL) to it. */
  attach(world: HostedWorld): void {
    const key = this.#keyOf(world.baseUrl);
    if (key === undefined) throw new HarnessError(`world base URL ${world.baseUrl} is not under ${this.origin}/run/`);
    if (this.#worlds.has(key)) throw new HarnessError(`a world is already attached at /run/${key}`);
    this.#worlds.set(key, world);
  }

  detach(world: HostedWorld): void {
    const key = this.#keyOf(world.baseUrl);
    if (key !== undefined && this.#worlds.get(key) === world) this.#worlds.delete(key);
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
    await Promise.all(worlds.map((w) => w.close()));
    const server = this.#server;
    this.#server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  #dispatch(request: Request): Promise<Response> | Response {
    const key = /^\/run\/([^/]+)(?:\/|$)/.exec(new URL(request.url).pathname)?.[1];
    const world = key === undefined ? undefined : this.#worlds.get(key);
    return world ? world.handle(request) : jsonError(404, 'unknown_run', 'no world at this path');
  }

  async #serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const request = await toFetchRequest(req, res, this.origin);
      await writeFetchResponse(res, await this.#dispatch(request));
    } catch {
      // The client went away mid-request, or the world failed; nothing left to answer.
      if (!res.headersSent) await writeFetchResponse(res, jsonError(500, 'host_error')).catch(() => {});
      else res.destroy();
    }
  }

  #keyOf(baseUrl: string): string | undefined {
    const prefix = `${this.origin}/run/`;
    if (!baseUrl.startsWith(prefix)) return undefined;
    const key = baseUrl.slice(prefix.length);
    return /^[^/]+$/.test(key) ? key : undefined;
  }
}
