import type { Manifest } from '../config/manifest.js';

export type ApprovalDecision = 'approved' | 'denied' | 'expired' | 'revoked';
export type ApprovalStatus = 'pending' | ApprovalDecision;

/** What an agent asked approval for (`POST /approvals`), fields as sent. */
export interface ApprovalRequest {
  id: string;
  runId: unknown;
  callId: unknown;
  tool: unknown;
  args: unknown;
  preview: unknown;
}

/**
 * One step of the human's timeline. Steps play in order; each waits for `afterPolls` polls and
 * `afterMs` milliseconds counted from the step before it was revealed (the first: from the
 * request). A timeline of several steps plays e.g. "approved, then revoked".
 */
export interface HumanStep {
  decision: ApprovalDecision;
  /** Polls to wait for (the decision is made when an agent looks); default 0. */
  afterPolls?: number;
  /** Milliseconds to wait for (the decision is made then, whether or not anyone looks); default 0. */
  afterMs?: number;
  /** Who decided; the manifest's on-call when omitted (nobody, for an expiry). */
  approver?: string;
}

export interface HumanContext {
  manifest: Manifest;
  /** Which approval request of the run this is, from 1. */
  ordinal: number;
}

/** The scenario's human approver: for each request, the timeline of what they do. */
export interface HumanPolicy {
  decide(request: ApprovalRequest, ctx: HumanContext): readonly HumanStep[];
}

/** A human who plays the same timeline for every request. */
export function fixedHuman(steps: readonly HumanStep[]): HumanPolicy {
  return { decide: () => steps };
}

/** The default human: approves every request on its first poll. */
export const defaultHuman: HumanPolicy = fixedHuman([{ decision: 'approved', afterPolls: 1 }]);

/** Who answers for the agent's approvals when a step names nobody. */
export function defaultApprover(manifest: Manifest): string {
  return manifest.agent.owner?.oncall ?? 'approver';
}
