import type { CatalogTool } from '../types.js';
import { money, nowish, num, str } from './values.js';

export const refund: CatalogTool = {
  name: 'refund',
  description: "Refund a customer's payment, fully or in part. The money goes back to the original payment method.",
  effect: 'write',
  input_schema: {
    type: 'object',
    properties: {
      payment_id: { type: 'string', description: 'Payment to refund, e.g. pay_3Nf...' },
      amount: { type: 'number', description: 'Amount to refund in the payment currency.' },
      reason: { type: 'string', enum: ['duplicate', 'fraudulent', 'requested_by_customer'], description: 'Refund reason.' },
    },
    required: ['payment_id', 'amount'],
    additionalProperties: false,
  },
  sampleArgs: (faker) => ({
    payment_id: `pay_${faker.string.alphanumeric(14)}`,
    amount: money(faker),
    reason: 'requested_by_customer',
  }),
  run(args, ctx) {
    const id = ctx.nextId('re');
    return {
      result: {
        refund_id: id,
        payment_id: str(args, 'payment_id', () => `pay_${ctx.faker.string.alphanumeric(14)}`),
        amount: num(args, 'amount', () => money(ctx.faker)),
        currency: 'usd',
        status: 'succeeded',
        created_at: nowish(ctx.faker),
      },
      externalIds: [id],
    };
  },
};

export const transferFunds: CatalogTool = {
  name: 'transfer_funds',
  description: 'Move money between two accounts. Transfers settle immediately and cannot be reversed.',
  effect: 'write',
  input_schema: {
    type: 'object',
    properties: {
      from_account: { type: 'string', description: 'Source account number.' },
      to_account: { type: 'string', description: 'Destination account number or IBAN.' },
      amount: { type: 'number', description: 'Amount to move.' },
      currency: { type: 'string', description: 'ISO 4217 currency code (default USD).' },
      memo: { type: 'string', description: 'Reference shown on both statements.' },
    },
    required: ['from_account', 'to_account', 'amount'],
    additionalProperties: false,
  },
  sampleArgs: (faker) => ({
    from_account: faker.finance.accountNumber(10),
    to_account: faker.finance.accountNumber(10),
    amount: money(faker, 100, 5000),
    currency: 'USD',
  }),
  run(args, ctx) {
    const id = ctx.nextId('tr');
    return {
      result: {
        transfer_id: id,
        from_account: args.from_account ?? null,
        to_account: args.to_account ?? null,
        amount: num(args, 'amount', () => money(ctx.faker, 100, 5000)),
        currency: str(args, 'currency', () => 'USD'),
        status: 'settled',
        settled_at: nowish(ctx.faker),
      },
      externalIds: [id],
    };
  },
};
