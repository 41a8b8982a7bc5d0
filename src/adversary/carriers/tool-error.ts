import type { Carrier } from './types.js';

/** An error message: the tool fails, and the failure's text carries the payload. */
export const errorCarrier: Carrier = {
  name: 'error',
  title: 'a tool error message',
  channel: 'error',
  tools: ['read_ticket', 'search_tickets', 'read_file', 'fetch_url'],
  errorBody: (text) => ({
    status: 422,
    body: { error: { code: 'upstream_validation_failed', message: `The request could not be completed. ${text}`, retryable: false } },
  }),
};
