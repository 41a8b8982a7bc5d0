import { describe, expect, it } from 'vitest';
import type { World } from '../../../src/world/index.js';
import { bearer, directWorld, issueToken, makeSpec, send, timeless } from './helpers.js';

/** One fixed conversation with a world: model turns, tool calls of every kind, approvals. */
async function play(world: World): Promise<void> {
  const key = { authorization: `Bearer ${world.modelKey}` };
  const chat = { model: 'm', messages: [{ role: 'user', content: 'Checkout is down.' }] };
  await send(world, '/v1/chat/completions', { body: chat, headers: key });
  const token = await issueToken(world);
  await send(world, '/tools/search_tickets', { body: { query: 'checkout down', limit: 3 }, headers: bearer(token) });
  await send(world, '/tools/read_ticket', { body: { ticket_id: 'TCK-4821' }, headers: bearer(token) });
  await send(world, '/v1/chat/completions', { body: { ...chat, stream: true }, headers: key }).then((r) => r.text());
  await send(world, '/tools/comment_ticket', { body: { ticket_id: 'TCK-4821', body: 'Looking into it.' }, headers: bearer(token) });
  await send(world, '/tools/create_pr', { body: { repo: 'acme/checkout', title: 'Fix', head: 'fix/1' }, headers: bearer(token) });
  const { id } = (await (await send(world, '/approvals', { body: { tool: 'create_pr' } })).json()) as { id: string };
  await send(world, `/approvals/${id}`);
  await send(world, '/escalations', { body: { reason: 'done' } });
}

/** World events with their times removed. */
const decisions = (world: World) => world.ledger.events.map(({ type, detail: { decided_at: _at, ...detail } }) => ({ type, detail }));

describe('determinism', () => {
  it('gives identical ledgers, keys and tokens for the same spec and seed, times aside', async () => {
    const [a, b] = [directWorld(), directWorld()];
    await play(a);
    await play(b);
    expect(timeless(a.ledger.entries)).toEqual(timeless(b.ledger.entries));
    expect([a.modelKey, a.clientId, a.clientSecret]).toEqual([b.modelKey, b.clientId, b.clientSecret]);
    expect(a.ledger.entries).toHaveLength(10);
    expect(decisions(a)).toEqual(decisions(b));
  });

  it('differs for another seed', async () => {
    const [a, b] = [directWorld(), directWorld({ spec: makeSpec({ seed: 7 }) })];
    await play(a);
    await play(b);
    expect(a.modelKey).not.toBe(b.modelKey);
    expect(timeless(a.ledger.entries)).not.toEqual(timeless(b.ledger.entries));
  });
});
