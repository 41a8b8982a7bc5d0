import type { CatalogTool } from '../types.js';
import { nowish, num, pastTime, person, str, summary, ticketId } from './values.js';

const STATUSES = ['open', 'pending', 'solved', 'closed'] as const;
const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;

export const searchTickets: CatalogTool = {
  name: 'search_tickets',
  description:
    'Search the helpdesk for tickets matching a free-text query. Returns the most recently updated matches with id, title, status and priority.',
  effect: 'read',
  input_schema: {
    type: 'object',
    properties: {
      query: { type: 'string', description: 'Free-text search over ticket titles and bodies.' },
      status: { type: 'string', enum: [...STATUSES], description: 'Only tickets in this status.' },
      limit: { type: 'integer', minimum: 1, maximum: 50, description: 'Maximum number of tickets to return (default 5).' },
    },
    required: ['query'],
    additionalProperties: false,
  },
  output_schema: {
    type: 'object',
    properties: {
      // Echoes whatever the model sent, which need not be a string.
      query: { description: 'The query searched for.' },
      total: { type: 'integer', minimum: 0 },
      tickets: {
        type: 'array',
        maxItems: 50,
        items: {
          type: 'object',
          properties: {
            id: { type: 'string' },
            title: { type: 'string' },
            status: { type: 'string' },
            priority: { type: 'string', enum: [...PRIORITIES] },
            requester: { type: 'string' },
            updated_at: { type: 'string' },
          },
          required: ['id', 'title', 'status', 'priority', 'requester', 'updated_at'],
          additionalProperties: false,
        },
      },
    },
    required: ['query', 'total', 'tickets'],
    additionalProperties: false,
  },
  sampleArgs: (faker) => ({ query: faker.hacker.noun(), limit: faker.number.int({ min: 1, max: 5 }) }),
  run(args, { faker }) {
    const limit = Math.min(Math.max(1, Math.trunc(num(args, 'limit', () => 5))), 50);
    const count = faker.number.int({ min: 1, max: limit });
    const tickets = Array.from({ length: count }, () => ({
      id: ticketId(faker),
      title: summary(faker),
      status: typeof args.status === 'string' ? args.status : faker.helpers.arrayElement(STATUSES),
      priority: faker.helpers.arrayElement(PRIORITIES),
      requester: person(faker).email,
      updated_at: pastTime(faker, 7),
    }));
    return { result: { query: args.query ?? null, total: count, tickets }, externalIds: [] };
  },
};

export const readTicket: CatalogTool = {
  name: 'read_ticket',
  description: 'Read one helpdesk ticket in full: its description, requester, status and the comment thread.',
  effect: 'read',
  input_schema: {
    type: 'object',
    properties: { ticket_id: { type: 'string', description: 'Ticket id, e.g. TCK-4821.' } },
    required: ['ticket_id'],
    additionalProperties: false,
  },
  output_schema: {
    type: 'object',
    properties: {
      id: { type: 'string' },
      title: { type: 'string' },
      status: { type: 'string', enum: [...STATUSES] },
      priority: { type: 'string', enum: [...PRIORITIES] },
      requester: {
        type: 'object',
        properties: { name: { type: 'string' }, email: { type: 'string' } },
        required: ['name', 'email'],
        additionalProperties: false,
      },
      created_at: { type: 'string' },
      description: { type: 'string' },
      comments: {
        type: 'array',
        items: {
          type: 'object',
          properties: { author: { type: 'string' }, body: { type: 'string' }, created_at: { type: 'string' } },
          required: ['author', 'body', 'created_at'],
          additionalProperties: false,
        },
      },
    },
    required: ['id', 'title', 'status', 'priority', 'requester', 'created_at', 'description', 'comments'],
    additionalProperties: false,
  },
  sampleArgs: (faker) => ({ ticket_id: ticketId(faker) }),
  run(args, { faker }) {
    const id = str(args, 'ticket_id', () => ticketId(faker));
    const comments = Array.from({ length: faker.number.int({ min: 0, max: 3 }) }, () => ({
      author: person(faker).name,
      body: faker.lorem.sentences({ min: 1, max: 2 }),
      created_at: pastTime(faker, 3),
    }));
    return {
      result: {
        id,
        title: summary(faker),
        status: faker.helpers.arrayElement(STATUSES),
        priority: faker.helpers.arrayElement(PRIORITIES),
        requester: person(faker),
        created_at: pastTime(faker, 14),
        description: faker.lorem.paragraphs({ min: 1, max: 2 }),
        comments,
      },
      externalIds: [],
    };
  },
};

export const commentTicket: CatalogTool = {
  name: 'comment_ticket',
  description: 'Add a comment to a helpdesk ticket. Public comments are emailed to the requester.',
  effect: 'write',
  input_schema: {
    type: 'object',
    properties: {
      ticket_id: { type: 'string', description: 'Ticket id, e.g. TCK-4821.' },
      body: { type: 'string', description: 'Comment text (Markdown).' },
      public: { type: 'boolean', description: 'Visible to the requester (default false: internal note).' },
    },
    required: ['ticket_id', 'body'],
    additionalProperties: false,
  },
  sampleArgs: (faker) => ({ ticket_id: ticketId(faker), body: faker.lorem.sentence() }),
  run(args, ctx) {
    const ticket = str(args, 'ticket_id', () => ticketId(ctx.faker));
    const id = ctx.nextId('cmt');
    const url = `${ctx.baseUrl}/fake/tickets/${encodeURIComponent(ticket)}/comments/${id}`;
    return {
      result: { comment_id: id, ticket_id: ticket, public: args.public === true, url, created_at: nowish(ctx.faker) },
      externalIds: [id, url],
    };
  },
};

export const closeTicket: CatalogTool = {
  name: 'close_ticket',
  description: 'Close a helpdesk ticket with a resolution. The requester is notified and the ticket leaves the queue.',
  effect: 'write',
  input_schema: {
    type: 'object',
    properties: {
      ticket_id: { type: 'string', description: 'Ticket id, e.g. TCK-4821.' },
      resolution: { type: 'string', description: 'Why the ticket is closed.' },
    },
    required: ['ticket_id'],
    additionalProperties: false,
  },
  sampleArgs: (faker) => ({ ticket_id: ticketId(faker), resolution: faker.lorem.sentence() }),
  run(args, ctx) {
    const ticket = str(args, 'ticket_id', () => ticketId(ctx.faker));
    const url = `${ctx.baseUrl}/fake/tickets/${encodeURIComponent(ticket)}`;
    return {
      result: { ticket_id: ticket, status: 'closed', resolution: args.resolution ?? null, closed_at: nowish(ctx.faker), url },
      externalIds: [ticket, url],
    };
  },
};
