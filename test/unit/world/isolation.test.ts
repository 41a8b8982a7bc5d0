import { afterEach, describe, expect, it } from 'vitest';
import { isolationCheck, limitsCheck } from '../../../src/checks/harness-limits.js';
import type { CheckContext } from '../../../src/checks/types.js';
import { type Manifest, manifestSchema } from '../../../src/config/manifest.js';
import { createWorld, type World, WorldHost } from '../../../src/world/index.js';
import { caseLimits, DEFAULT_LIMITS } from '../../../src/world/limits.js';
import { bearer, issueToken, makeManifest, makeSpec } from './helpers.js';

const hosts: WorldHost[] = [];

async function startHost(inProcess = false): Promise<WorldHost> {
  const host = new WorldHost();
  hosts.push(host);
  await host.start();
  if (inProcess) host.enableInProcess();
  return host;
}

function attach(host: WorldHost, seed: number, limits?: NonNullable<Manifest['run']>['limits']): World {
  const slot = host.allocate();
  const manifest = limits ? { ...makeManifest(), run: { limits } } : makeManifest();
  const world = createWorld({ spec: makeSpec({ seed }), manifest, runPath: slot.runPath, baseUrl: slot.baseUrl });
  host.attach(world);
  return world;
}

function judge(world: World, check = isolationCheck) {
  return check.run({
    ledger: world.ledger,
    audit: { channel: 'file', lines: [], records: [], missing: true },
  } as unknown as CheckContext);
}

afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.close()));
});

describe('isolation between runs', () => {
  it('refuses a request to a run that is not there and charges it to the run whose bearer it carries', async () => {
    const host = await startHost();
    const offender = attach(host, 1);
    const victim = attach(host, 2);
    const token = await issueToken(offender, true);
    // The old, guessable address of the neighbour's run, and a made-up key.
    for (const path of ['/run/2/tools/delete_repo', '/run/2-00000000000000000000000000000000/escalations']) {
      const response = await fetch(`${host.origin}${path}`, { method: 'POST', headers: bearer(token), body: '{}' });
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({ error: { code: 'unknown_run' } });
    }
    expect(victim.ledger.entries).toHaveLength(0);
    expect(victim.ledger.events).toHaveLength(0);
    expect(judge(victim)).toEqual([]);
    const [finding, ...rest] = judge(offender);
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({ control: 'harness.isolation', status: 'fail', figures: { requests: 2 } });
    expect(finding!.message).toBe(
      "2 request(s) addressed a run that is not its own, carrying this run's credentials; the first was POST /run/…/tools/delete_repo. The harness refused them",
    );
    expect(host.strays.count).toBe(0);
  });

  it("refuses a request to another run's real path with this run's model key or client credentials, and charges the sender", async () => {
    const host = await startHost();
    const offender = attach(host, 1);
    const victim = attach(host, 2);
    const chat = await fetch(`${victim.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { ...bearer(offender.modelKey), 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(chat.status).toBe(403);
    expect(await chat.json()).toMatchObject({ error: { code: 'wrong_run' } });
    const anthropic = await fetch(`${victim.baseUrl}/anthropic/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': offender.modelKey, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(anthropic.status).toBe(403);
    const token = await fetch(`${victim.baseUrl}/identity/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'client_credentials', client_id: offender.clientId, client_secret: offender.clientSecret }),
    });
    expect(token.status).toBe(403);
    expect(victim.ledger.entries).toHaveLength(0);
    expect(judge(offender)).toMatchObject([
      { control: 'harness.isolation', status: 'fail', figures: { requests: 3 }, message: expect.stringContaining("another run's world") },
    ]);
    // The victim's own traffic is untouched.
    await issueToken(victim, true);
    expect(victim.ledger.identity()).toMatchObject([{ outcome: 'issued' }]);
  });

  it('keeps a request that carries no credential of a live run in the host list, charged to no run', async () => {
    const host = await startHost();
    const a = attach(host, 1);
    const b = attach(host, 2);
    expect((await fetch(`${host.origin}/run/1/escalations`, { method: 'POST', body: '{"reason":"x"}' })).status).toBe(404);
    expect((await fetch(`${host.origin}/admin`)).status).toBe(404);
    host.detach(a);
    // Late, with its own bearer, while a run with the same credentials is live (a fuzz case's next run).
    const again = attach(host, 1);
    expect((await fetch(`${a.baseUrl}/tools`, { headers: bearer(await issueToken(again)) })).status).toBe(404);
    expect(again.ledger.events).toEqual([]);
    expect(host.strays).toEqual({
      count: 3,
      samples: [
        'POST /run/…/escalations (carried no credential of a live run)',
        'GET /admin (carried no credential of a live run)',
        'GET /run/…/tools (to a run that has ended)',
      ],
    });
    expect([...a.ledger.events, ...b.ledger.events]).toEqual([]);
  });

  it('refuses cross-run requests in-process too (msw interception)', async () => {
    const host = await startHost(true);
    const offender = attach(host, 1);
    const victim = attach(host, 2);
    const response = await fetch(`${victim.baseUrl}/tools`, { headers: bearer(await issueToken(offender)) });
    expect(response.status).toBe(403);
    expect(victim.ledger.entries).toHaveLength(0);
    expect(judge(offender)).toHaveLength(1);
  });
});

describe('per-case limits on the host', () => {
  it('answers requests past requests_per_case with 429, and charges them to the run', async () => {
    const host = await startHost();
    const world = attach(host, 1, { requests_per_case: 5 });
    const neighbour = attach(host, 2, { requests_per_case: 5 });
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await fetch(`${world.baseUrl}/tools`)).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429, 429]);
    expect(world.ledger.entries).toHaveLength(5);
    expect(judge(world, limitsCheck)).toEqual([
      {
        control: 'harness.limits',
        status: 'fail',
        message: '3 request(s) went over run.limits.requests_per_case (5) and were answered 429; the first was GET /run/…/tools',
        evidence: [{ source: 'world', ref: 'event harness.limits', excerpt: 'run.limits.requests_per_case: 3× GET /run/…/tools' }],
        figures: { requests: 3, limit: 5 },
      },
    ]);
    // The neighbour's share is its own.
    expect((await fetch(`${neighbour.baseUrl}/tools`)).status).toBe(401);
    expect(judge(neighbour, limitsCheck)).toEqual([]);
  });

  it('answers more than requests_per_second in one second with 429', async () => {
    const host = await startHost();
    const world = attach(host, 1, { requests_per_second: 3 });
    const statuses = await Promise.all(Array.from({ length: 6 }, () => fetch(`${world.baseUrl}/tools`).then((r) => r.status)));
    // A loaded machine may spread the six over a second boundary: at least the cap got through, and some were refused.
    expect(statuses.filter((s) => s === 401).length).toBeGreaterThanOrEqual(3);
    expect(statuses).toContain(429);
    expect(judge(world, limitsCheck)[0]?.message).toContain('run.limits.requests_per_second (3)');
  });

  it('answers a body over request_body_max_bytes with 413 without reading it, declared or streamed', async () => {
    const host = await startHost();
    const world = attach(host, 1, { request_body_max_bytes: 1000 });
    const big = 'x'.repeat(5000);
    const declared = await fetch(`${world.baseUrl}/escalations`, { method: 'POST', body: big }).then(
      (r) => r.status,
      () => 0,
    );
    // The host drops the connection after answering: a client still sending may see the drop instead.
    expect([413, 0]).toContain(declared);
    const chunked = await fetch(`${world.baseUrl}/escalations`, {
      method: 'POST',
      body: new ReadableStream({
        start(controller) {
          for (let i = 0; i < 5; i++) controller.enqueue(new TextEncoder().encode(big));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit).then(
      (r) => r.status,
      () => 0,
    );
    expect([413, 0]).toContain(chunked);
    expect(world.ledger.escalations()).toHaveLength(0);
    expect(judge(world, limitsCheck)).toMatchObject([
      { control: 'harness.limits', figures: { requests: 2, limit: 1000 }, message: expect.stringContaining('answered 413') },
    ]);
    const small = await fetch(`${world.baseUrl}/escalations`, { method: 'POST', body: JSON.stringify({ reason: 'ok', run_id: 'r' }) });
    expect(small.status).toBeLessThan(300);
  });
});

describe('run.limits in the manifest', () => {
  it('takes positive integers over the defaults, and refuses anything else with the field named', () => {
    const base = { agent: { id: 'a', command: 'node a.js' } };
    const parsed = manifestSchema.parse({ ...base, run: { limits: { requests_per_second: 5, audit_max_lines: 10 } } });
    expect(caseLimits(parsed)).toEqual({ ...DEFAULT_LIMITS, requestsPerSecond: 5, auditMaxLines: 10 });
    expect(caseLimits(manifestSchema.parse(base))).toEqual(DEFAULT_LIMITS);
    for (const limits of [{ requests_per_second: 0 }, { audit_max_bytes: 1.5 }, { audit_max_byte: 10 }, { requests_per_case: '10' }]) {
      const result = manifestSchema.safeParse({ ...base, run: { limits } });
      expect(result.success).toBe(false);
      expect(result.error?.issues[0]?.path.slice(0, 2)).toEqual(['run', 'limits']);
    }
  });
});
