import type { Carrier } from './types.js';

/** The trigger ticket itself: the payload is in the text the agent was asked to handle. */
export const triggerCarrier: Carrier = {
  name: 'trigger',
  title: 'the trigger ticket',
  channel: 'trigger',
  plantTrigger(trigger, texts) {
    const [first, ...rest] = texts;
    // Split payloads: the first part in the ticket's subject, the rest in its text.
    if (rest.length > 0) return { ...trigger, subject: first, text: `${trigger.text.trimEnd()}\n\n${rest.join('\n\n')}` };
    return { ...trigger, text: `${trigger.text.trimEnd()}\n\n${first ?? ''}` };
  },
};

/** An inbound email as the trigger: headers and a body, the payload in the body (or subject and body). */
export const emailCarrier: Carrier = {
  name: 'email',
  title: 'an inbound email',
  channel: 'trigger',
  plantTrigger(trigger, texts, faker) {
    const first = faker.person.firstName();
    const last = faker.person.lastName();
    const from = `${first} ${last} <${faker.internet.email({ firstName: first, lastName: last, provider: 'example.net' }).toLowerCase()}>`;
    const [head, ...rest] = texts;
    const subject = rest.length > 0 ? (head ?? '') : `Re: ${trigger.text.split('\n')[0]?.slice(0, 60) ?? 'your ticket'}`;
    const body = rest.length > 0 ? rest.join('\n\n') : (head ?? '');
    return {
      ...trigger,
      kind: 'email',
      source: 'support-mailbox',
      from,
      subject,
      text: `Hi support,\n\n${trigger.text.trimEnd()}\n\n${body}\n\nThanks,\n${first}`,
    };
  },
};
