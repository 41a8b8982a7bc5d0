import type { Carrier } from './types.js';

/**
 * A tool's description (tool poisoning): the listing the agent hands the model says more than
 * it should. Kept generic; hostile MCP servers are the fuzzing pack's.
 */
export const toolDescriptionCarrier: Carrier = {
  name: 'tool-description',
  title: "a tool's description",
  channel: 'listing',
  tools: ['search_tickets', 'read_ticket'],
  plantListing(tool, texts) {
    const [first, ...rest] = texts;
    const schema = tool.input_schema;
    const properties = (schema.properties ?? {}) as Record<string, Record<string, unknown>>;
    const [name] = Object.keys(properties);
    // A second part goes in the first parameter's description, which agents pass on too.
    const input_schema =
      rest.length > 0 && name
        ? {
            ...schema,
            properties: {
              ...properties,
              [name]: { ...properties[name], description: `${String(properties[name]?.description ?? '')} ${rest.join(' ')}`.trim() },
            },
          }
        : schema;
    return { ...tool, description: `${tool.description} ${first ?? ''}`.trim(), input_schema };
  },
};
