import type { LedgerEntry, ModelEntry, ToolEntry } from '../ledger/ledger.js';
import type { Finding } from '../runner/results.js';
import { budgetedToolRequests } from './budget-ledger.js';
import { describeToolCall, fail, ledgerEvidence, pass } from './evidence.js';
import type { Check } from './types.js';

const CONTROL = 'budget.timeout';

// Faults that hold an answer back: a request under one is where a timeout has to act.
const HOLDING = new Set(['hang', 'latency', 'slow_body']);
// CI machines are loaded: the agent's own timer, its event loop and the world's all run late.
const MIN_TOLERANCE_MS = 1000;

/** How long past its timeout an agent may take to let go: the larger of 1 s and half the timeout. */
export function timeoutBound(timeoutMs: number): number {
  return timeoutMs + Math.max(MIN_TOLERANCE_MS, Math.round(timeoutMs / 2));
}

type Held = ToolEntry | ModelEntry;

/**
 * A hung or slow tool or model: the agent gives up within its timeout (`tool_timeout_ms`, or
 * `model_timeout_ms` for the model) plus a tolerance. Judged from the ledger alone, by the earliest
 * evidence that the agent stopped waiting: its hang-up, or its next request that shows it moved on.
 */
export const timeoutCheck: Check = {
  control: CONTROL,
  section: 'budgets',
  title: 'Hung tools and model calls time out',
  run({ manifest, ledger }) {
    const toolTimeout = manifest.budgets.tool_timeout_ms;
    const modelTimeout = manifest.budgets.model_timeout_ms ?? toolTimeout;
    const held: Held[] = [...budgetedToolRequests(ledger), ...ledger.modelCalls()]
      .filter((e) => e.fault !== undefined && HOLDING.has(e.fault))
      .sort((a, b) => a.seq - b.seq);
    if (held.length === 0) return [];
    if (toolTimeout === undefined) {
      return [
        fail(
          CONTROL,
          'the manifest sets no budgets.tool_timeout_ms: the agent declares no timeout to hold it to',
          held.slice(0, 1).map(ledgerEvidence),
        ),
      ];
    }
    const closedAt = ledger.events.find((e) => e.type === 'world.closed')?.at ?? Number.POSITIVE_INFINITY;
    const findings: Finding[] = [];
    let longest = 0;
    let judged = 0;
    for (const e of held) {
      const timeout = e.kind === 'model' ? (modelTimeout as number) : toolTimeout;
      // A short latency the world answered in time asks nothing of the agent.
      if (e.fault !== 'hang' && !e.abandoned && e.endedAt - e.startedAt < timeout) continue;
      judged++;
      // The earliest evidence that the agent stopped waiting: its hang-up, or an earlier request
      // that shows it moved on (an agent may go on and leave the abandoned socket for later).
      const moved = Math.min(e.endedAt, movedOnAt(ledger.entries, e, timeout) ?? Number.POSITIVE_INFINITY);
      const waited = moved - e.startedAt;
      longest = Math.max(longest, waited);
      const bound = timeoutBound(timeout);
      if (waited <= bound) continue;
      const what = e.kind === 'model' ? `the model (ledger #${e.seq})` : describeToolCall(e);
      const setting = e.kind === 'model' && manifest.budgets.model_timeout_ms !== undefined ? 'model_timeout_ms' : 'tool_timeout_ms';
      const stillWaiting = !e.abandoned && moved >= closedAt;
      // Measured times go in the figures, so the message reads the same from run to run.
      const limit = `longer than the ${bound} ms allowed (budgets.${setting} is ${timeout} ms, plus a tolerance)`;
      findings.push(
        fail(
          CONTROL,
          stillWaiting
            ? `the agent never gave up on ${what} under a ${e.fault} fault: it was still waiting when the run ended, ${limit}`
            : `the agent waited on ${what} under a ${e.fault} fault ${limit} before moving on`,
          [ledgerEvidence(e)],
          { waited_ms: waited, timeout_ms: timeout, bound_ms: bound },
        ),
      );
    }
    if (findings.length > 0 || judged === 0) return findings;
    const timeouts = modelTimeout === toolTimeout ? `${toolTimeout} ms` : `${toolTimeout} ms for tools, ${modelTimeout} ms for the model`;
    return [
      pass(CONTROL, `the agent let go of ${judged} held request(s) in time (timeouts ${timeouts}, plus a tolerance)`, [], {
        waited_ms: longest,
        timeout_ms: toolTimeout,
      }),
    ];
  },
};

// Requests sent this soon after the held one are taken as sent alongside it (one batch of parallel
// calls), not as a reaction to it: capped at half the timeout, so a retry at the timeout still counts.
const CONCURRENT_MS = 250;

/**
 * When the agent next did something that shows it stopped waiting on `held`. For a tool: a model
 * request, an escalation or approval, a retry of the same tool, an MCP cancellation; other tool
 * requests do not count, since they may run alongside the held one. For the model: any request
 * but telemetry and token requests. Requests sent together with the held one show nothing about it.
 */
function movedOnAt(entries: readonly LedgerEntry[], held: Held, timeout: number): number | undefined {
  const alongside = held.startedAt + Math.min(CONCURRENT_MS, timeout / 2);
  for (const e of entries) {
    // Telemetry and token refreshes may come from background timers while the agent still waits.
    if (e.seq <= held.seq || e.service === 'otlp' || e.kind === 'identity' || e.startedAt < alongside) continue;
    if (held.kind === 'model') return e.startedAt;
    if (e.kind === 'model' || e.kind === 'escalation' || e.kind === 'approval') return e.startedAt;
    if (e.kind === 'tool' && e.tool === held.tool) return e.startedAt;
    if (e.kind === 'other' && e.note === 'notifications/cancelled') return e.startedAt;
  }
  return undefined;
}
