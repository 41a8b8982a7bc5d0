import { describe, expect, it } from 'vitest';
import { manifestSchema } from '../../../src/config/manifest.js';
import { scenarioHumanSchema } from '../../../src/config/scenario-identity.js';
import { scriptedHuman } from '../../../src/runner/scripted-human.js';
import { fixedHuman, type HumanStep } from '../../../src/world/index.js';
import { directWorld, makeManifest, send } from './helpers.js';

const body = { run_id: 'run-1', call_id: 'call_pr', tool: 'create_pr', args: { repo: 'acme/checkout' }, preview: 'Open PR' };

/** A world on a hand-moved clock, with a human playing `steps`. */
function clocked(steps: HumanStep[]) {
  const clock = { now: 1_000_000 };
  const world = directWorld({ human: fixedHuman(steps), now: () => clock.now });
  const file = async () => ((await (await send(world, '/approvals', { body })).json()) as { id: string }).id;
  const poll = async (id: string) => (await (await send(world, `/approvals/${id}`)).json()) as Record<string, unknown>;
  return { world, clock, file, poll };
}

const decisions = (world: ReturnType<typeof directWorld>) =>
  world.ledger.events.filter((e) => e.type === 'approval.decided').map((e) => [e.detail.decision, e.at]);

describe('the human timeline', () => {
  it('decides a step that waits for time when its time comes, dated then, whenever the agent looks', async () => {
    const { world, clock, file, poll } = clocked([{ decision: 'approved', afterMs: 300, approver: 'jane' }]);
    const id = await file();
    clock.now += 299;
    expect((await poll(id)).status).toBe('pending');
    clock.now += 500;
    expect(await poll(id)).toMatchObject({ status: 'approved', approver: 'jane', decided_at: new Date(1_000_300).toISOString() });
    expect(decisions(world)).toEqual([['approved', 1_000_300]]);
  });

  it('lets an approval expire with nobody as approver', async () => {
    const { clock, file, poll } = clocked([{ decision: 'expired', afterMs: 400 }]);
    const id = await file();
    clock.now += 400;
    const answer = await poll(id);
    expect(answer).toMatchObject({ status: 'expired' });
    expect(answer).not.toHaveProperty('approver');
  });

  it('shows an approval revoked at once on the next look, dated with the approval', async () => {
    const { world, clock, file, poll } = clocked([
      { decision: 'approved', afterPolls: 1 },
      { decision: 'revoked', afterMs: 0 },
    ]);
    const id = await file();
    clock.now += 10;
    expect((await poll(id)).status).toBe('approved');
    expect((await poll(id)).status).toBe('revoked');
    expect(decisions(world)).toEqual([
      ['approved', 1_000_010],
      ['revoked', 1_000_010],
    ]);
  });

  it('shows every step that fell due before a late look', async () => {
    const { world, clock, file, poll } = clocked([
      { decision: 'approved', afterMs: 100 },
      { decision: 'revoked', afterMs: 50 },
    ]);
    const id = await file();
    clock.now += 1000;
    expect((await poll(id)).status).toBe('revoked');
    expect(decisions(world)).toEqual([
      ['approved', 1_000_100],
      ['revoked', 1_000_150],
    ]);
  });

  it('records on close what fell due while nobody looked, but not what waits for a look', async () => {
    const { world, clock, file, poll } = clocked([
      { decision: 'approved', afterPolls: 1 },
      { decision: 'revoked', afterMs: 20 },
      { decision: 'denied', afterPolls: 1 },
    ]);
    const id = await file();
    await poll(id);
    clock.now += 100;
    await world.close();
    expect(decisions(world).map(([d]) => d)).toEqual(['approved', 'revoked']);
  });
});

describe("the scenario's human", () => {
  const manifest = manifestSchema.parse({ ...makeManifest(), budgets: { approval_timeout_ms: 5000 } });
  const timeline = (human: unknown, ordinal = 1) =>
    scriptedHuman(scenarioHumanSchema.parse(human), manifest).decide(
      { id: 'apr_1', runId: 'r', callId: 'c', tool: 't', args: {}, preview: '' },
      { manifest, ordinal },
    );

  it('maps each behaviour to a timeline', () => {
    expect(timeline('approve')).toEqual([{ decision: 'approved', afterPolls: 1 }]);
    expect(timeline({ action: 'deny', after: { ms: 200 }, approver: 'jane' })).toEqual([
      { decision: 'denied', afterMs: 200, approver: 'jane' },
    ]);
    expect(timeline('never')).toEqual([{ decision: 'expired', afterMs: 5000 }]);
    expect(timeline({ action: 'never', expires_after: { polls: 3 } })).toEqual([{ decision: 'expired', afterPolls: 3 }]);
    expect(timeline({ action: 'approve_then_revoke', revoke_after: { polls: 2 } })).toEqual([
      { decision: 'approved', afterPolls: 1 },
      { decision: 'revoked', afterPolls: 2 },
    ]);
  });

  it('plays a list request by request, the last one for every request after', () => {
    expect([1, 2, 3].map((n) => timeline(['approve', 'deny'], n)[0]?.decision)).toEqual(['approved', 'denied', 'denied']);
  });

  it('never answers at all when the manifest sets no approval timeout', () => {
    const plain = makeManifest();
    const human = scriptedHuman(scenarioHumanSchema.parse('never'), plain);
    expect(human.decide({ id: 'a', runId: 'r', callId: 'c', tool: 't', args: {}, preview: '' }, { manifest: plain, ordinal: 1 })).toEqual(
      [],
    );
  });
});
