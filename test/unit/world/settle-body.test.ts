import { describe, expect, it } from 'vitest';
import { byteStream } from '../../../src/chaos/bodies.js';
import type { LedgerEntry } from '../../../src/ledger/ledger.js';
import { framedLikeHttp, settleBody, type WorldContext } from '../../../src/world/context.js';

// settleBody reads only the clock, the answered hook and the closing signal of its world.
function world(): { ctx: WorldContext; close: () => void } {
  const closing = new AbortController();
  let now = 1000;
  const ctx = { now: () => (now += 10), answered: undefined, closing: closing.signal } as unknown as WorldContext;
  return { ctx, close: () => closing.abort() };
}

function entry(): LedgerEntry & { abandoned?: boolean } {
  return { seq: 1, kind: 'other', service: 'tools', method: 'POST', path: '/tools/read_ticket', startedAt: 1000, endedAt: 1000, status: 0 };
}

const BYTES = new TextEncoder().encode('{"id":"TCK-3313","reporter":"admin"}');

/** A trickled answer, as the slow_body fault builds it: its pauses end when `held` aborts. */
function trickled(held: AbortSignal, drop = false): Response {
  return new Response(byteStream(BYTES, { chunkBytes: 8, intervalMs: drop ? 0 : 60_000, drop, signal: held }), { status: 200 });
}

async function firstChunk(response: Response): Promise<ReadableStreamDefaultReader<Uint8Array>> {
  const reader = response.body?.getReader();
  if (!reader) throw new Error('no body');
  await reader.read();
  return reader;
}

describe('settleBody: however the agent goes away, the entry is settled the same way', () => {
  it('the request is aborted mid-trickle (an in-process fetch): abandoned, the end stamped, the reader sees an error', async () => {
    const { ctx, close } = world();
    const hangUp = new AbortController();
    const e = entry();
    const response = settleBody(ctx, e, trickled(AbortSignal.any([hangUp.signal, ctx.closing])), hangUp.signal);
    const reader = await firstChunk(response);
    const next = reader.read();
    const stampedBefore = e.endedAt;
    hangUp.abort();
    await expect(next).rejects.toThrow();
    expect(e.abandoned).toBe(true);
    expect(e.endedAt).toBeGreaterThan(stampedBefore);
    close();
  });

  it('the request is aborted while no read is pending: abandoned at once, not when someone reads again', async () => {
    const { ctx } = world();
    const hangUp = new AbortController();
    const e = entry();
    const response = settleBody(ctx, e, trickled(AbortSignal.any([hangUp.signal, ctx.closing])), hangUp.signal);
    const reader = await firstChunk(response);
    hangUp.abort();
    expect(e.abandoned).toBe(true);
    const read = await reader.read().catch((error: unknown) => error);
    expect(read).toBeInstanceOf(Error);
  });

  it('the reader cancels the body (the bridge when the socket closes): abandoned', async () => {
    const { ctx } = world();
    const hangUp = new AbortController();
    const e = entry();
    const reader = await firstChunk(settleBody(ctx, e, trickled(AbortSignal.any([hangUp.signal, ctx.closing])), hangUp.signal));
    await reader.cancel();
    expect(e.abandoned).toBe(true);
  });

  it('the world closes: the body lets go, but the agent did not abandon it', async () => {
    const { ctx, close } = world();
    const hangUp = new AbortController();
    const e = entry();
    const reader = await firstChunk(settleBody(ctx, e, trickled(AbortSignal.any([hangUp.signal, ctx.closing])), hangUp.signal));
    const next = reader.read();
    close();
    await expect(next).rejects.toThrow();
    hangUp.abort();
    expect(e.abandoned).toBeUndefined();
  });

  it('the world drops the connection on purpose, or the body is read to the end: not abandoned', async () => {
    const { ctx } = world();
    const dropped = entry();
    const hangUp = new AbortController();
    const response = settleBody(ctx, dropped, trickled(hangUp.signal, true), hangUp.signal);
    await expect(response.arrayBuffer()).rejects.toThrow();
    expect(dropped.abandoned).toBeUndefined();

    const whole = entry();
    const read = settleBody(ctx, whole, new Response(BYTES, { status: 200 }), hangUp.signal);
    expect(new Uint8Array(await read.arrayBuffer())).toEqual(BYTES);
    hangUp.abort();
    expect(whole.abandoned).toBeUndefined();
  });
});

describe('framedLikeHttp', () => {
  it('gives a bodiless answer the empty body and zero length node:http sends', async () => {
    const framed = framedLikeHttp(new Response(null, { status: 200, headers: { 'content-type': 'application/json' } }));
    expect(framed.headers.get('content-length')).toBe('0');
    expect(framed.body).not.toBeNull();
    expect(await framed.text()).toBe('');
    expect(framed.headers.get('content-type')).toBe('application/json');
  });

  it('leaves bodies, network errors and no-content statuses alone', () => {
    const body = new Response('{}');
    expect(framedLikeHttp(body)).toBe(body);
    const error = Response.error();
    expect(framedLikeHttp(error)).toBe(error);
    const noContent = new Response(null, { status: 204 });
    expect(framedLikeHttp(noContent)).toBe(noContent);
  });
});
