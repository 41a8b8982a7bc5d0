import type { Finding } from '../runner/results.js';
import { ordinal, reportedTokens } from './budget-ledger.js';
import { fail, ledgerEvidence, pass } from './evidence.js';
import type { Check } from './types.js';

const CONTROL = 'budget.model-tokens';

/**
 * Model tokens, as the world reported them in `usage`, stay within `model_tokens_per_run`; and
 * model requests within `model_calls_per_run` when the manifest sets it. Every request counts,
 * retries and failed ones included.
 */
export const modelTokensCheck: Check = {
  control: CONTROL,
  section: 'budgets',
  title: 'Model tokens (and model calls) stay within their caps',
  invariant: true,
  run({ manifest, ledger }) {
    const { model_tokens_per_run: tokenCap, model_calls_per_run: callCap } = manifest.budgets;
    const calls = ledger.modelCalls();
    if ((tokenCap === undefined && callCap === undefined) || calls.length === 0) return [];
    const findings: Finding[] = [];
    let total = 0;
    let crossed: (typeof calls)[number] | undefined;
    for (const call of calls) {
      total += reportedTokens(call);
      if (tokenCap !== undefined && total > tokenCap) crossed ??= call;
    }
    const figures = {
      model_tokens: total,
      model_calls: calls.length,
      ...(tokenCap ? { token_cap: tokenCap } : {}),
      ...(callCap ? { call_cap: callCap } : {}),
    };
    if (crossed && tokenCap !== undefined) {
      findings.push(
        fail(
          CONTROL,
          `the world reported ${total} model tokens over ${calls.length} model request(s), over the cap of ${tokenCap} (budgets.model_tokens_per_run); ledger #${crossed.seq} (${reportedTokens(crossed)} tokens) crossed it`,
          [ledgerEvidence(crossed)],
          figures,
        ),
      );
    }
    if (callCap !== undefined && calls.length > callCap) {
      const first = calls[callCap]!;
      findings.push(
        fail(
          CONTROL,
          `${calls.length} model requests, over the cap of ${callCap} (budgets.model_calls_per_run); the ${ordinal(callCap + 1)} was ledger #${first.seq}`,
          calls.slice(callCap, callCap + 3).map(ledgerEvidence),
          figures,
        ),
      );
    }
    if (findings.length > 0) return findings;
    const caps = [tokenCap !== undefined ? `${tokenCap} tokens` : '', callCap !== undefined ? `${callCap} calls` : '']
      .filter(Boolean)
      .join(', ');
    return [pass(CONTROL, `${total} model tokens over ${calls.length} model request(s), within the caps (${caps})`, [], figures)];
  },
};
