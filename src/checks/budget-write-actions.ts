import { budgetedWrites, ordinal, stoppedByOtherBudget, writeProposals } from './budget-ledger.js';
import { describeToolCall, fail, ledgerEvidence, pass } from './evidence.js';
import type { Check } from './types.js';

const CONTROL = 'budget.write-actions';

/** No run sends more requests to tools that write than `budgets.write_actions_per_run`. */
export const writeActionsCheck: Check = {
  control: CONTROL,
  section: 'budgets',
  title: 'Write actions stay within write_actions_per_run',
  invariant: true,
  run({ manifest, ledger, spec, audit }) {
    const cap = manifest.budgets.write_actions_per_run;
    if (cap === undefined) return [];
    const writes = budgetedWrites(ledger);
    const figures = { write_requests: writes.length, cap };
    if (writes.length > cap) {
      const first = writes[cap]!;
      return [
        fail(
          CONTROL,
          `${writes.length} write requests reached the world, over the cap of ${cap} (budgets.write_actions_per_run); the ${ordinal(cap + 1)} was ${describeToolCall(first)}`,
          writes.slice(cap, cap + 3).map(ledgerEvidence),
          figures,
        ),
      ];
    }
    const proposed = writeProposals(ledger, spec).length;
    if (proposed > cap) {
      return [pass(CONTROL, `${writes.length} write request(s) for ${proposed} proposed write(s): the cap of ${cap} held`, [], figures)];
    }
    const other = stoppedByOtherBudget(audit, 'write_actions');
    if (!other) return [];
    return [
      pass(
        CONTROL,
        `${writes.length} write request(s), cap ${cap}: the run stopped on its ${other} budget before reaching it`,
        [],
        figures,
      ),
    ];
  },
};
