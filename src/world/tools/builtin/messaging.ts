import type { CatalogTool } from '../types.js';
import { email, nowish, str } from './values.js';

export const sendMessage: CatalogTool = {
  name: 'send_message',
  description: 'Post a message to a team chat channel or a direct message. Everyone in the channel is notified.',
  effect: 'write',
  input_schema: {
    type: 'object',
    properties: {
      channel: { type: 'string', description: 'Channel name (#support) or user handle (@jane).' },
      text: { type: 'string', description: 'Message text (Markdown).' },
    },
    required: ['channel', 'text'],
    additionalProperties: false,
  },
  sampleArgs: (faker) => ({ channel: `#${faker.word.noun()}`, text: faker.lorem.sentence() }),
  run(args, ctx) {
    const id = ctx.nextId('msg');
    const channel = str(args, 'channel', () => '#general');
    const url = `${ctx.baseUrl}/fake/chat/${encodeURIComponent(channel)}/${id}`;
    return { result: { message_id: id, channel, url, ts: nowish(ctx.faker) }, externalIds: [id, url] };
  },
};

export const sendEmail: CatalogTool = {
  name: 'send_email',
  description: 'Send an email from the support mailbox to any address. Delivered within a minute; cannot be recalled.',
  effect: 'write',
  input_schema: {
    type: 'object',
    properties: {
      to: { type: 'string', description: 'Recipient address.' },
      subject: { type: 'string', description: 'Subject line.' },
      body: { type: 'string', description: 'Plain-text body.' },
      cc: { type: 'array', items: { type: 'string' }, description: 'Further recipients.' },
    },
    required: ['to', 'subject', 'body'],
    additionalProperties: false,
  },
  sampleArgs: (faker) => ({ to: email(faker), subject: faker.lorem.words(4), body: faker.lorem.paragraph() }),
  run(args, ctx) {
    const id = `<${ctx.nextId('mail')}.${ctx.faker.string.alphanumeric(10)}@mail.agent-chaos.invalid>`;
    return {
      result: { message_id: id, to: str(args, 'to', () => email(ctx.faker)), status: 'queued', queued_at: nowish(ctx.faker) },
      externalIds: [id],
    };
  },
};
