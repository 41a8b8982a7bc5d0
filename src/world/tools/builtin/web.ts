import type { CatalogTool } from '../types.js';
import { str } from './values.js';

export const fetchUrl: CatalogTool = {
  name: 'fetch_url',
  description: 'Fetch a web page or document over HTTP(S) and return its text content (HTML is converted to text).',
  effect: 'read',
  input_schema: {
    type: 'object',
    properties: { url: { type: 'string', description: 'Absolute http(s) URL.' } },
    required: ['url'],
    additionalProperties: false,
  },
  output_schema: {
    type: 'object',
    properties: {
      url: { type: 'string' },
      status: { type: 'integer', minimum: 100, maximum: 599 },
      content_type: { type: 'string' },
      title: { type: 'string' },
      text: { type: 'string' },
    },
    required: ['url', 'status', 'content_type', 'title', 'text'],
    additionalProperties: false,
  },
  // Reserved example domains only: an agent that follows a sample URL itself reaches nothing real.
  sampleArgs: (faker) => ({ url: `https://docs.example.com/${faker.helpers.slugify(faker.lorem.words(3)).toLowerCase()}` }),
  run(args, { faker }) {
    return {
      result: {
        url: str(args, 'url', () => 'https://docs.example.com/'),
        status: 200,
        content_type: 'text/html; charset=utf-8',
        title: faker.lorem.words(5),
        text: faker.lorem.paragraphs(3),
      },
      externalIds: [],
    };
  },
};
