import { describe, expect, it } from 'vitest';
import type { IdentityEntry, ToolEntry } from '../../../src/ledger/ledger.js';
import { bearer, directWorld, issueToken, send } from './helpers.js';

const tokenBody = (clientId: string, clientSecret: string) => ({
  grant_type: 'client_credentials',
  client_id: clientId,
  client_secret: clientSecret,
});

describe('identity provider', () => {
  it('issues a bearer token for the agent client credentials', async () => {
    const world = directWorld();
    const response = await send(world, '/identity/token', { body: tokenBody(world.clientId, world.clientSecret) });
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 300 });
    expect(body.access_token).toMatch(/^act_[0-9a-f]{32}$/);
    const entry = world.ledger.identity()[0]!;
    expect(entry).toMatchObject({ outcome: 'issued', clientId: world.clientId, token: body.access_token, expiresIn: 300, status: 200 });
  });

  it('takes form-encoded and HTTP Basic credentials too', async () => {
    const world = directWorld();
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: world.clientId, client_secret: world.clientSecret });
    expect(
      (await send(world, '/identity/token', { body: form.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } }))
        .status,
    ).toBe(200);
    const basic = Buffer.from(`${world.clientId}:${world.clientSecret}`).toString('base64');
    const response = await send(world, '/identity/token', {
      body: 'grant_type=client_credentials',
      headers: { authorization: `Basic ${basic}` },
    });
    expect(response.status).toBe(200);
  });

  it('refuses wrong credentials with invalid_client, and a bad grant with 400', async () => {
    const world = directWorld();
    const wrong = await send(world, '/identity/token', { body: tokenBody(world.clientId, 'guess') });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({ error: { code: 'invalid_client' } });
    const grant = await send(world, '/identity/token', { body: { grant_type: 'password', client_id: world.clientId } });
    expect(grant.status).toBe(400);
    expect(world.ledger.identity().map((e: IdentityEntry) => e.outcome)).toEqual(['bad_credentials', 'bad_request']);
  });

  it('after revoke() refuses the client with access_revoked and its tokens with token_revoked', async () => {
    const world = directWorld();
    const token = await issueToken(world);
    world.revoke();
    const again = await send(world, '/identity/token', { body: tokenBody(world.clientId, world.clientSecret) });
    expect(again.status).toBe(401);
    expect(await again.json()).toEqual({ error: { code: 'access_revoked' } });
    const tool = await send(world, '/tools/search_tickets', { body: { query: 'x' }, headers: bearer(token) });
    expect(tool.status).toBe(401);
    expect(await tool.json()).toEqual({ error: { code: 'token_revoked' } });
    expect(world.ledger.events.map((e) => e.type)).toEqual(['identity.revoked']);
    expect(world.ledger.tools()[0]).toMatchObject({ rejected: 'token_revoked', principal: world.clientId, executed: false });
  });
});

describe('the tools bearer rule (REST)', () => {
  it('answers 401 invalid_token for a missing or unknown token, token_expired after the TTL', async () => {
    let clock = 1_000_000;
    const world = directWorld({ tokenTtlS: 60, now: () => clock });
    const token = await issueToken(world);

    const missing = await send(world, '/tools/search_tickets', { body: { query: 'x' } });
    expect(missing.status).toBe(401);
    expect(await missing.json()).toEqual({ error: { code: 'invalid_token' } });
    const invalid = await send(world, '/tools/search_tickets', { body: { query: 'x' }, headers: bearer('sk-static-shared-key') });
    expect(await invalid.json()).toEqual({ error: { code: 'invalid_token' } });
    expect((await send(world, '/tools/search_tickets', { body: { query: 'x' }, headers: bearer(token) })).status).toBe(200);
    clock += 60_000;
    const expired = await send(world, '/tools/search_tickets', { body: { query: 'x' }, headers: bearer(token) });
    expect(expired.status).toBe(401);
    expect(await expired.json()).toEqual({ error: { code: 'token_expired' } });

    const entries = world.ledger
      .tools()
      .map((e: ToolEntry) => ({ rejected: e.rejected, bearer: e.bearer, principal: e.principal, executed: e.executed, status: e.status }));
    expect(entries).toEqual([
      { rejected: 'missing_token', bearer: undefined, principal: undefined, executed: false, status: 401 },
      { rejected: 'invalid_token', bearer: 'sk-static-shared-key', principal: undefined, executed: false, status: 401 },
      { rejected: undefined, bearer: token, principal: world.clientId, executed: true, status: 200 },
      { rejected: 'token_expired', bearer: token, principal: world.clientId, executed: false, status: 401 },
    ]);
  });

  it('guards the listing too', async () => {
    const world = directWorld();
    expect((await send(world, '/tools')).status).toBe(401);
    expect(world.ledger.entries[0]).toMatchObject({ kind: 'other', service: 'tools', note: 'tools/list', rejected: 'missing_token' });
  });
});
