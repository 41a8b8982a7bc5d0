import { describe, expect, it } from 'vitest';
import { fixedHuman } from '../../../src/world/index.js';
import { directWorld, makeSpec, send } from './helpers.js';

const approvalBody = {
  run_id: 'run-1',
  call_id: 'call_pr',
  tool: 'create_pr',
  args: { repo: 'acme/checkout' },
  preview: 'Open PR on acme/checkout',
};

describe('approvals', () => {
  it('files a request as pending; the default human approves on the first poll as the on-call', async () => {
    const world = directWorld();
    const created = await send(world, '/approvals', { body: approvalBody });
    expect(created.status).toBe(201);
    const { id, status } = (await created.json()) as { id: string; status: string };
    expect([id, status]).toEqual(['apr_1', 'pending']);
    const poll = await send(world, `/approvals/${id}`);
    const decided = (await poll.json()) as Record<string, unknown>;
    expect(decided).toMatchObject({ id, status: 'approved', approver: 'support-oncall' });
    expect(new Date(decided.decided_at as string).toISOString()).toBe(decided.decided_at);
    // A second poll shows the same decision; it is decided only once.
    expect(await (await send(world, `/approvals/${id}`)).json()).toEqual(decided);
    expect(world.ledger.approvals().map((e) => [e.action, e.approvalId, e.approvalStatus])).toEqual([
      ['request', 'apr_1', 'pending'],
      ['poll', 'apr_1', 'approved'],
      ['poll', 'apr_1', 'approved'],
    ]);
    expect(world.ledger.approvals()[0]!.request).toEqual({
      runId: 'run-1',
      callId: 'call_pr',
      tool: 'create_pr',
      args: { repo: 'acme/checkout' },
      preview: 'Open PR on acme/checkout',
    });
    expect(world.ledger.events).toEqual([
      {
        at: expect.any(Number),
        type: 'approval.decided',
        detail: { approval_id: 'apr_1', decision: 'approved', approver: 'support-oncall', decided_at: decided.decided_at },
      },
    ]);
  });

  it('plays a data-driven human timeline: pending, approved, then revoked', async () => {
    const human = fixedHuman([
      { decision: 'approved', afterPolls: 2, approver: 'jane' },
      { decision: 'revoked', afterPolls: 1, approver: 'security' },
    ]);
    const world = directWorld({ human });
    const { id } = (await (await send(world, '/approvals', { body: approvalBody })).json()) as { id: string };
    const statuses: string[] = [];
    for (let i = 0; i < 4; i++) statuses.push(((await (await send(world, `/approvals/${id}`)).json()) as { status: string }).status);
    expect(statuses).toEqual(['pending', 'approved', 'revoked', 'revoked']);
    expect(world.ledger.events.map((e) => [e.detail.decision, e.detail.approver])).toEqual([
      ['approved', 'jane'],
      ['revoked', 'security'],
    ]);
  });

  it('answers 404 for an unknown approval and 400 for a body that is not an object', async () => {
    const world = directWorld();
    expect((await send(world, '/approvals/apr_404')).status).toBe(404);
    expect((await send(world, '/approvals', { body: 'nope' })).status).toBe(400);
  });
});

describe('escalations and OTLP', () => {
  it('accepts an escalation with 202 and records it', async () => {
    const world = directWorld();
    const body = { run_id: 'run-1', reason: 'token_revoked', summary: 'Access revoked mid-run; stopping.' };
    const response = await send(world, '/escalations', { body });
    expect(response.status).toBe(202);
    expect(world.ledger.escalations()[0]).toMatchObject({ kind: 'escalation', body, status: 202 });
  });

  it('takes OTLP traces and keeps the body', async () => {
    const world = directWorld();
    const body = { resourceSpans: [{ scopeSpans: [] }] };
    const response = await send(world, '/otlp/v1/traces', { body });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({});
    expect(world.ledger.entries[0]).toMatchObject({ kind: 'other', service: 'otlp', body, status: 200 });
  });
});

describe('env()', () => {
  it('gives the contract variables under the base URL, the hints and bait', () => {
    const world = directWorld({
      spec: makeSpec({ hints: { transport: 'mcp', stream: true } }),
      bait: { AWS_SECRET_ACCESS_KEY: 'canary-1', OPENAI_API_KEY: 'bait must not win' },
    });
    const base = world.baseUrl;
    expect(world.env()).toEqual({
      AWS_SECRET_ACCESS_KEY: 'canary-1',
      AGENT_CHAOS_URL: base,
      OPENAI_BASE_URL: `${base}/v1`,
      OPENAI_API_KEY: world.modelKey,
      ANTHROPIC_BASE_URL: `${base}/anthropic`,
      ANTHROPIC_API_KEY: world.modelKey,
      AGENT_CHAOS_TOOLS_URL: `${base}/tools`,
      AGENT_CHAOS_MCP_URL: `${base}/mcp`,
      AGENT_CHAOS_IDENTITY_URL: `${base}/identity`,
      AGENT_CHAOS_CLIENT_ID: world.clientId,
      AGENT_CHAOS_CLIENT_SECRET: world.clientSecret,
      AGENT_CHAOS_APPROVALS_URL: `${base}/approvals`,
      AGENT_CHAOS_ESCALATIONS_URL: `${base}/escalations`,
      OTEL_EXPORTER_OTLP_ENDPOINT: `${base}/otlp`,
      AGENT_CHAOS_HINT_TRANSPORT: 'mcp',
      AGENT_CHAOS_HINT_STREAM: '1',
    });
    expect(directWorld().env()).not.toHaveProperty('AGENT_CHAOS_HINT_TRANSPORT');
  });
});
