import { http, type RequestHandler } from 'msw';
import type { ApprovalEntry } from '../ledger/ledger.js';
import { isPlainObject } from './canonical.js';
import { arrival, type Draft, settle, type WorldContext } from './context.js';
import { json, jsonError, readJson } from './http.js';
import { type ApprovalRequest, type ApprovalStatus, defaultApprover, type HumanStep, stepAt } from './human.js';

interface Approval {
  request: ApprovalRequest;
  timeline: readonly HumanStep[];
  polls: number;
  status: ApprovalStatus;
  approver?: string;
  decidedAt?: string;
}

/**
 * The human approval service: `POST /approvals` files a request, `GET /approvals/{id}` polls it.
 * The human's policy fixes each request's timeline when it is filed; polls reveal it.
 */
export function approvalHandlers(ctx: WorldContext): RequestHandler[] {
  const approvals = new Map<string, Approval>();

  return [
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
      approvals.set(approval.id, { request: approval, timeline, polls: 0, status: 'pending' });
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
      approval.polls += 1;
      const step = stepAt(approval.timeline, approval.polls);
      if (step && step.decision !== approval.status) reveal(ctx, params.id, approval, step);
      entry.approvalStatus = approval.status;
      const { status, approver, decidedAt } = approval;
      return settle(
        ctx,
        entry,
        json(200, { id: params.id, status, ...(approver ? { approver } : {}), ...(decidedAt ? { decided_at: decidedAt } : {}) }),
      );
    }),
  ];
}

// The human's timeline counts polls, not time, so a decision is dated when a poll first shows it.
function reveal(ctx: WorldContext, id: string, approval: Approval, step: HumanStep): void {
  approval.status = step.decision;
  approval.approver = step.approver ?? defaultApprover(ctx.manifest);
  approval.decidedAt = new Date(ctx.now()).toISOString();
  ctx.ledger.event('approval.decided', {
    approval_id: id,
    decision: step.decision,
    approver: approval.approver,
    decided_at: approval.decidedAt,
  });
}
