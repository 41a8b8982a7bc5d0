import { http, type RequestHandler } from 'msw';
import type { ApprovalEntry } from '../ledger/ledger.js';
import { isPlainObject } from './canonical.js';
import { arrival, type Draft, settle, type WorldContext } from './context.js';
import { json, jsonError, readJson } from './http.js';
import { type ApprovalRequest, type ApprovalStatus, defaultApprover, type HumanStep } from './human.js';

interface Approval {
  id: string;
  request: ApprovalRequest;
  timeline: readonly HumanStep[];
  /** The next step of the timeline to play. */
  next: number;
  /** Polls since the last step was revealed (or the request was filed), and when that was. */
  pollsSince: number;
  since: number;
  status: ApprovalStatus;
  approver?: string;
  decidedAt?: string;
}

export interface ApprovalService {
  handlers: RequestHandler[];
  /** Records every decision that fell due while nobody looked, at the time it fell due. */
  close(): void;
}

/**
 * The human approval service: `POST /approvals` files a request, `GET /approvals/{id}` polls it.
 * The human's policy fixes each request's timeline when it is filed; polls and time play it.
 */
export function approvalService(ctx: WorldContext): ApprovalService {
  const approvals = new Map<string, Approval>();

  const handlers = [
    http.post(ctx.url('/approvals'), async ({ request }) => {
      const entry = ctx.ledger.record<Draft<ApprovalEntry>>({
        ...arrival(ctx, request, 'approvals'),
        kind: 'approval',
        action: 'request',
        approvalId: undefined,
      });
      const body = await readJson(request);
      if (!body.ok || !isPlainObject(body.value)) {
        entry.request = {
          runId: undefined,
          callId: undefined,
          tool: undefined,
          args: body.ok ? body.value : body.text,
          preview: undefined,
        };
        return settle(ctx, entry, jsonError(400, 'invalid_request', 'the body must be a JSON object'));
      }
      const { run_id, call_id, tool, args, preview } = body.value;
      const approval: ApprovalRequest = { id: ctx.ids.nextId('apr'), runId: run_id, callId: call_id, tool, args, preview };
      const timeline = ctx.human.decide(approval, { manifest: ctx.manifest, ordinal: approvals.size + 1 });
      approvals.set(approval.id, {
        id: approval.id,
        request: approval,
        timeline,
        next: 0,
        pollsSince: 0,
        since: ctx.now(),
        status: 'pending',
      });
      Object.assign(entry, {
        approvalId: approval.id,
        request: { runId: run_id, callId: call_id, tool, args, preview },
        approvalStatus: 'pending',
      });
      return settle(ctx, entry, json(201, { id: approval.id, status: 'pending' }));
    }),

    http.get<{ id: string }>(ctx.url('/approvals/:id'), ({ request, params }) => {
      const entry = ctx.ledger.record<Draft<ApprovalEntry>>({
        ...arrival(ctx, request, 'approvals'),
        kind: 'approval',
        action: 'poll',
        approvalId: params.id,
      });
      const approval = approvals.get(params.id);
      if (!approval) return settle(ctx, entry, jsonError(404, 'approval_not_found'));
      approval.pollsSince += 1;
      play(ctx, approval, ctx.now(), true);
      entry.approvalStatus = approval.status;
      const { status, approver, decidedAt } = approval;
      return settle(
        ctx,
        entry,
        json(200, { id: params.id, status, ...(approver ? { approver } : {}), ...(decidedAt ? { decided_at: decidedAt } : {}) }),
      );
    }),
  ];

  return {
    handlers,
    close() {
      const now = ctx.now();
      for (const approval of approvals.values()) play(ctx, approval, now, false);
    },
  };
}

/**
 * Plays the steps that are due by `now`. A step waiting for polls is decided by a look (dated at
 * that poll); one waiting only for time is decided when its time came, looked at or not, and is
 * dated then. A poll shows the step it decided: what follows it at the same instant shows on
 * the next look, though it is dated when it fell due.
 */
function play(ctx: WorldContext, approval: Approval, now: number, poll: boolean): void {
  let decidedByThisLook = false;
  for (let step = approval.timeline[approval.next]; step; step = approval.timeline[approval.next]) {
    if (approval.pollsSince < (step.afterPolls ?? 0)) return;
    const dueAt = approval.since + (step.afterMs ?? 0);
    if (now < dueAt) return;
    if (step.afterPolls && !poll) return;
    const at = step.afterPolls ? now : dueAt;
    if (decidedByThisLook && at >= now) return;
    reveal(ctx, approval, step, at);
    decidedByThisLook = poll;
    approval.next += 1;
    approval.pollsSince = 0;
    approval.since = at;
  }
}

function reveal(ctx: WorldContext, approval: Approval, step: HumanStep, at: number): void {
  approval.status = step.decision;
  // An expiry is the service giving up, not a person deciding.
  approval.approver = step.approver ?? (step.decision === 'expired' ? undefined : defaultApprover(ctx.manifest));
  approval.decidedAt = new Date(at).toISOString();
  ctx.ledger.event(
    'approval.decided',
    {
      approval_id: approval.id,
      decision: step.decision,
      ...(approval.approver ? { approver: approval.approver } : {}),
      decided_at: approval.decidedAt,
    },
    at,
  );
}
