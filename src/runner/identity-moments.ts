import type { Moment, ScenarioIdentity } from '../config/scenario-identity.js';
import type { LedgerEntry } from '../ledger/ledger.js';
import type { World, WorldOptions } from '../world/world.js';

/** True when the world, answering `entry`, has reached the moment. */
export function reachedMoment(moment: Moment, entry: LedgerEntry, world: World): boolean {
  if (moment === 'before_write') {
    return entry.kind === 'model' && entry.proposed.some((p) => world.catalog.get(p.name)?.effect === 'write');
  }
  if (moment === 'approval_pending') {
    return entry.kind === 'approval' && entry.action === 'request' && entry.approvalStatus === 'pending';
  }
  return entry.kind === 'tool' && world.ledger.tools().filter((t) => t.seq <= entry.seq).length === moment.tool_call;
}

/** The world options of a scenario's `identity:` key: token lifetime, revocation and expiry moments. */
export function identityWorldOptions(identity: ScenarioIdentity | undefined): Partial<WorldOptions> {
  if (!identity) return {};
  const acts: { moment: Moment; act(world: World): void; done: boolean }[] = [];
  if (identity.revoke) acts.push({ moment: identity.revoke.at, act: (w) => w.revoke(), done: false });
  if (identity.expire) acts.push({ moment: identity.expire.at, act: (w) => w.expireTokens(), done: false });
  return {
    ...(identity.token_ttl_s !== undefined ? { tokenTtlS: identity.token_ttl_s } : {}),
    ...(acts.length > 0
      ? {
          afterRequest(entry, world) {
            for (const a of acts) {
              if (a.done || !reachedMoment(a.moment, entry, world)) continue;
              a.done = true;
              a.act(world);
            }
          },
        }
      : {}),
  };
}
