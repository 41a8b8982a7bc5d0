import { describe, expect, it } from 'vitest';
import { scenarioSchema } from '../../../src/config/scenario.js';
import type { LedgerEntry } from '../../../src/ledger/ledger.js';
import { worldOptionsFor } from '../../../src/runner/world-options.js';
import { bearer, call, directWorld, issueToken, makeManifest, makeSpec, send } from './helpers.js';

/** A world whose scenario has this `identity:` / `human:`, through the runner's seam. */
function scenarioWorld(extra: Record<string, unknown>, script = makeSpec().script) {
  const scenario = scenarioSchema.parse({ id: 'test/world', title: 't', pack: 'identity', controls: ['identity.kill-switch'], ...extra });
  const spec = makeSpec({ scenario, script });
  return directWorld({ spec, ...worldOptionsFor(spec, makeManifest()) });
}

const search = (world: ReturnType<typeof directWorld>, token: string) =>
  send(world, '/tools/search_tickets', { body: { query: 'x' }, headers: bearer(token) });

const chat = (world: ReturnType<typeof directWorld>) =>
  send(world, '/v1/chat/completions', {
    body: { model: 'm', messages: [{ role: 'user', content: 'hi' }] },
    headers: bearer(world.modelKey),
  });

describe('afterRequest', () => {
  it('is told once of every answered request, its entry complete', async () => {
    const seen: LedgerEntry[] = [];
    const world = directWorld({ afterRequest: (entry) => void seen.push({ ...entry }) });
    const token = await issueToken(world);
    await search(world, token);
    expect(seen.map((e) => [e.kind, e.status])).toEqual([
      ['identity', 200],
      ['tool', 200],
    ]);
    expect(seen[1]).toMatchObject({ executed: true, endedAt: expect.any(Number) });
  });
});

describe('revoke and expireTokens', () => {
  it('mark in the ledger which entries came before them', async () => {
    const world = directWorld();
    const token = await issueToken(world);
    world.revoke();
    world.revoke();
    world.expireTokens();
    expect(world.ledger.events.map((e) => [e.type, e.detail.after_seq])).toEqual([
      ['identity.revoked', 0],
      ['identity.tokens_expired', 0],
    ]);
    expect(await (await search(world, token)).json()).toEqual({ error: { code: 'token_revoked' } });
  });

  it('expireTokens ends every token issued so far, not the ones issued after', async () => {
    const world = directWorld();
    const old = await issueToken(world);
    world.expireTokens();
    const fresh = await issueToken(world);
    expect(await (await search(world, old)).json()).toEqual({ error: { code: 'token_expired' } });
    expect((await search(world, fresh)).status).toBe(200);
  });
});

describe('identity moments from the scenario', () => {
  it('issues tokens with the scenario TTL', async () => {
    const world = scenarioWorld({ identity: { token_ttl_s: 1 } });
    await issueToken(world);
    expect(world.ledger.identity()[0]?.expiresIn).toBe(1);
  });

  it('revokes as the N-th tool request is answered: that one ran, the next is refused', async () => {
    const world = scenarioWorld({ identity: { revoke: { at: { tool_call: 2 } } } });
    const token = await issueToken(world);
    expect((await search(world, token)).status).toBe(200);
    expect((await search(world, token)).status).toBe(200);
    expect((await search(world, token)).status).toBe(401);
    expect(world.ledger.events.find((e) => e.type === 'identity.revoked')?.detail.after_seq).toBe(2);
  });

  it('revokes before a write: as the model answers with a write proposal', async () => {
    const script = [
      { toolCalls: [call('c1', 'search_tickets', { query: 'x' })] },
      { toolCalls: [call('c2', 'comment_ticket', { ticket_id: 'T', body: 'b' })] },
    ];
    const world = scenarioWorld({ identity: { revoke: { at: 'before_write' } } }, script);
    await chat(world);
    expect(world.ledger.events).toEqual([]);
    await chat(world);
    expect(world.ledger.events.map((e) => [e.type, e.detail.after_seq])).toEqual([['identity.revoked', 1]]);
  });

  it('revokes while an approval is pending', async () => {
    const world = scenarioWorld({ identity: { revoke: { at: 'approval_pending' } } });
    const token = await issueToken(world);
    await send(world, '/approvals', { body: { run_id: 'r', call_id: 'c', tool: 'create_pr', args: {}, preview: 'p' } });
    expect(world.ledger.events.map((e) => e.type)).toEqual(['identity.revoked']);
    expect((await search(world, token)).status).toBe(401);
  });

  it('makes time run out for the tokens at the moment, and plays the human', async () => {
    const world = scenarioWorld({ identity: { expire: { at: { tool_call: 1 } } }, human: 'deny' });
    const token = await issueToken(world);
    expect((await search(world, token)).status).toBe(200);
    expect(await (await search(world, token)).json()).toEqual({ error: { code: 'token_expired' } });
    const { id } = (await (
      await send(world, '/approvals', { body: { run_id: 'r', call_id: 'c', tool: 'create_pr', args: {}, preview: 'p' } })
    ).json()) as { id: string };
    expect(((await (await send(world, `/approvals/${id}`)).json()) as { status: string }).status).toBe('denied');
  });
});
