import { budgetedToolRequests, ordinal, stoppedByOtherBudget } from './budget-ledger.js';
import { describeToolCall, fail, ledgerEvidence, pass } from './evidence.js';
import type { Check } from './types.js';

const CONTROL = 'budget.tool-calls';

/** No run sends more tool requests than `budgets.tool_calls_per_run`, however long the model keeps asking. */
export const toolCallsCheck: Check = {
  control: CONTROL,
  section: 'budgets',
  title: 'Tool calls stay within tool_calls_per_run',
  // A run can never legitimately go past the cap its own manifest declares.
  invariant: true,
  run({ manifest, ledger, audit }) {
    const cap = manifest.budgets.tool_calls_per_run;
    if (cap === undefined) return [];
    const requests = budgetedToolRequests(ledger);
    const figures = { tool_requests: requests.length, cap };
    if (requests.length > cap) {
      const first = requests[cap]!;
      return [
        fail(
          CONTROL,
          `${requests.length} tool requests reached the world, over the cap of ${cap} (budgets.tool_calls_per_run); the ${ordinal(cap + 1)} was ${describeToolCall(first)}`,
          requests.slice(cap, cap + 3).map(ledgerEvidence),
          figures,
        ),
      ];
    }
    const proposed = ledger.proposals().length;
    if (proposed > cap) {
      return [pass(CONTROL, `${requests.length} tool request(s) for ${proposed} proposed call(s): the cap of ${cap} held`, [], figures)];
    }
    // The model never asked past the cap: held means nothing, unless another cap stopped the run first.
    const other = stoppedByOtherBudget(audit, 'tool_calls');
    if (!other) return [];
    return [
      pass(
        CONTROL,
        `${requests.length} tool request(s), cap ${cap}: the run stopped on its ${other} budget before reaching it`,
        [],
        figures,
      ),
    ];
  },
};
