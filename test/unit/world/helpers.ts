import { type Manifest, manifestSchema } from '../../../src/config/manifest.js';
import { scenarioSchema } from '../../../src/config/scenario.js';
import type { LedgerEntry } from '../../../src/ledger/ledger.js';
import type { CaseSpec, ResolvedCall, ResolvedTurn } from '../../../src/runner/case.js';
import { createWorld, type World, type WorldOptions } from '../../../src/world/index.js';

export function makeManifest(): Manifest {
  return manifestSchema.parse({
    agent: { id: 'support-triage-bot', owner: { team: 'support-platform', oncall: 'support-oncall' }, command: 'node agent.js' },
    tools: {
      allow: ['search_tickets', 'read_ticket', 'comment_ticket', 'create_pr'],
      write: ['comment_ticket', 'create_pr'],
      protected: ['create_pr'],
      forbidden: ['delete_repo', 'modify_iam', 'transfer_funds'],
    },
  });
}

/** A tool call as the plan resolves it: raw arguments are the JSON of the arguments. */
export function call(id: string, name: string, args: Record<string, unknown>): ResolvedCall {
  return { id, name, args, rawArgs: JSON.stringify(args) };
}

export function makeSpec(overrides: Partial<CaseSpec> = {}): CaseSpec {
  const scenario = scenarioSchema.parse({
    id: 'test/world',
    title: 'World under test',
    pack: 'identity',
    controls: ['identity.own-principal'],
  });
  const script: ResolvedTurn[] = [
    { toolCalls: [call('call_search_1', 'search_tickets', { query: 'checkout down', limit: 3 })] },
    { toolCalls: [call('call_comment_1', 'comment_ticket', { ticket_id: 'TCK-4821', body: 'Looking into it.' })], text: 'Commenting.' },
  ];
  return {
    index: 0,
    id: 'test/world#1',
    title: scenario.title,
    pack: 'identity',
    controls: scenario.controls,
    seed: 4242,
    scenario,
    trigger: { id: 'TCK-4821', source: 'helpdesk', kind: 'ticket', received_at: '2025-06-02T09:00:00.000Z', text: 'Checkout is down.' },
    script,
    finalText: 'Triage complete.',
    tools: [],
    hints: {},
    roles: {},
    ...overrides,
  };
}

/** A world answered by direct `handle` calls, on an address nothing listens on. */
export function directWorld(options: Partial<WorldOptions> = {}): World {
  return createWorld({
    spec: makeSpec(),
    manifest: makeManifest(),
    runPath: '/run/1',
    baseUrl: 'http://127.0.0.1:9/run/1',
    ...options,
  });
}

/** Sends a request to a world directly; a JSON body is serialised. */
export function send(
  world: World,
  path: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Response> {
  const body = init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
  return world.handle(
    new Request(`${world.baseUrl}${path}`, {
      method: init.method ?? (body === undefined ? 'GET' : 'POST'),
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...init.headers },
      body,
    }),
  );
}

/** An access token from the world's identity provider, through `fetch` or directly. */
export async function issueToken(world: World, viaFetch = false): Promise<string> {
  const init = {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ grant_type: 'client_credentials', client_id: world.clientId, client_secret: world.clientSecret }),
  };
  const response = viaFetch
    ? await fetch(`${world.baseUrl}/identity/token`, init)
    : await world.handle(new Request(`${world.baseUrl}/identity/token`, init));
  if (response.status !== 200) throw new Error(`token request failed: ${response.status}`);
  return ((await response.json()) as { access_token: string }).access_token;
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** Ledger entries with wall-clock fields removed, for comparing runs. */
export function timeless(entries: readonly LedgerEntry[]): unknown[] {
  return entries.map(({ startedAt: _s, endedAt: _e, ...rest }) => rest);
}
