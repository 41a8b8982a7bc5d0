import type { Manifest } from '../config/manifest.js';
import type { Delay, HumanBehaviour } from '../config/scenario-identity.js';
import type { HumanPolicy, HumanStep } from '../world/human.js';

const FIRST_POLL: Delay = { polls: 1 };
const AT_ONCE: Delay = { ms: 0 };

function wait(delay: Delay): Pick<HumanStep, 'afterPolls' | 'afterMs'> {
  return 'polls' in delay ? { afterPolls: delay.polls } : { afterMs: delay.ms };
}

/** The timeline one behaviour plays for one approval request. */
export function timelineOf(b: HumanBehaviour, manifest: Manifest): HumanStep[] {
  const by = b.approver ? { approver: b.approver } : {};
  switch (b.action) {
    case 'approve':
      return [{ decision: 'approved', ...wait(b.after ?? FIRST_POLL), ...by }];
    case 'deny':
      return [{ decision: 'denied', ...wait(b.after ?? FIRST_POLL), ...by }];
    case 'approve_then_revoke':
      return [
        { decision: 'approved', ...wait(b.after ?? FIRST_POLL), ...by },
        { decision: 'revoked', ...wait(b.revoke_after ?? AT_ONCE), ...by },
      ];
    case 'never': {
      // Nobody answers; the service gives up after the approval's timeout, if it has one.
      const timeout = manifest.budgets.approval_timeout_ms;
      const expires = b.expires_after ?? (timeout !== undefined ? { ms: timeout } : undefined);
      return expires ? [{ decision: 'expired', ...wait(expires) }] : [];
    }
  }
}

/** The scenario's `human:`: the n-th approval request gets the n-th behaviour, the last one after that. */
export function scriptedHuman(behaviours: readonly HumanBehaviour[], manifest: Manifest): HumanPolicy {
  const timelines = behaviours.map((b) => timelineOf(b, manifest));
  return { decide: (_request, { ordinal }) => timelines[Math.min(ordinal, timelines.length) - 1] ?? [] };
}
