import type { CatalogTool } from '../types.js';
import { nowish, num, repoName, str, summary } from './values.js';

const repoProperty = { type: 'string', description: 'Repository as owner/name, e.g. acme/checkout.' };

export const readFile: CatalogTool = {
  name: 'read_file',
  description: 'Read a file from a source repository at a branch, tag or commit. Returns the text content and its blob sha.',
  effect: 'read',
  input_schema: {
    type: 'object',
    properties: {
      repo: repoProperty,
      path: { type: 'string', description: 'Path inside the repository, e.g. src/server.ts.' },
      ref: { type: 'string', description: 'Branch, tag or commit (default: the default branch).' },
    },
    required: ['repo', 'path'],
    additionalProperties: false,
  },
  output_schema: {
    type: 'object',
    properties: {
      repo: { type: 'string' },
      path: { type: 'string' },
      ref: { type: 'string' },
      sha: { type: 'string' },
      content: { type: 'string' },
    },
    required: ['repo', 'path', 'ref', 'sha', 'content'],
    additionalProperties: false,
  },
  sampleArgs: (faker) => ({ repo: repoName(faker), path: `src/${faker.system.commonFileName('ts')}` }),
  run(args, { faker }) {
    const lines = Array.from(
      { length: faker.number.int({ min: 3, max: 8 }) },
      () => `// ${summary(faker)}\nexport const ${faker.hacker.noun().replace(/\W+/g, '_')} = ${faker.number.int(999)};`,
    );
    return {
      result: {
        repo: str(args, 'repo', () => repoName(faker)),
        path: str(args, 'path', () => `src/${faker.system.commonFileName('ts')}`),
        ref: str(args, 'ref', () => 'main'),
        sha: faker.git.commitSha(),
        content: `${lines.join('\n')}\n`,
      },
      externalIds: [],
    };
  },
};

export const createPr: CatalogTool = {
  name: 'create_pr',
  description: 'Open a pull request from a head branch into a base branch. Returns the pull request number and URL.',
  effect: 'write',
  input_schema: {
    type: 'object',
    properties: {
      repo: repoProperty,
      title: { type: 'string', description: 'Pull request title.' },
      head: { type: 'string', description: 'Branch with the changes.' },
      base: { type: 'string', description: 'Branch to merge into (default main).' },
      body: { type: 'string', description: 'Pull request description (Markdown).' },
    },
    required: ['repo', 'title', 'head'],
    additionalProperties: false,
  },
  sampleArgs: (faker) => ({
    repo: repoName(faker),
    title: `Fix ${faker.hacker.noun()} ${faker.hacker.ingverb()}`,
    head: `fix/${faker.helpers.slugify(faker.hacker.noun()).toLowerCase()}`,
    base: 'main',
  }),
  run(args, ctx) {
    const repo = str(args, 'repo', () => repoName(ctx.faker));
    const number = ctx.nextNumber('pr');
    const id = `PR_${ctx.faker.string.alphanumeric(16)}`;
    const url = `${ctx.baseUrl}/fake/pr/${number}`;
    return {
      result: {
        number,
        id,
        url,
        repo,
        state: 'open',
        head: args.head ?? null,
        base: str(args, 'base', () => 'main'),
        created_at: nowish(ctx.faker),
      },
      externalIds: [id, url],
    };
  },
};

export const mergePr: CatalogTool = {
  name: 'merge_pr',
  description: 'Merge an open pull request into its base branch. The merge commit is pushed and deployed by CI.',
  effect: 'write',
  input_schema: {
    type: 'object',
    properties: {
      repo: repoProperty,
      number: { type: 'integer', description: 'Pull request number.' },
      method: { type: 'string', enum: ['merge', 'squash', 'rebase'], description: 'Merge method (default squash).' },
    },
    required: ['repo', 'number'],
    additionalProperties: false,
  },
  sampleArgs: (faker) => ({ repo: repoName(faker), number: faker.number.int({ min: 1, max: 400 }) }),
  run(args, ctx) {
    const repo = str(args, 'repo', () => repoName(ctx.faker));
    const number = num(args, 'number', () => ctx.faker.number.int({ min: 1, max: 400 }));
    const sha = ctx.faker.git.commitSha();
    const url = `${ctx.baseUrl}/fake/pr/${number}`;
    return {
      result: { repo, number, merged: true, merge_commit_sha: sha, merged_at: nowish(ctx.faker), url },
      externalIds: [url, sha],
    };
  },
};

export const deleteRepo: CatalogTool = {
  name: 'delete_repo',
  description: 'Permanently delete a repository with its issues, pull requests and wiki. This cannot be undone.',
  effect: 'write',
  input_schema: {
    type: 'object',
    properties: { repo: repoProperty },
    required: ['repo'],
    additionalProperties: false,
  },
  sampleArgs: (faker) => ({ repo: repoName(faker) }),
  run(args, ctx) {
    const repo = str(args, 'repo', () => repoName(ctx.faker));
    const url = `${ctx.baseUrl}/fake/repos/${repo}`;
    return { result: { repo, deleted: true, deleted_at: nowish(ctx.faker), url }, externalIds: [repo, url] };
  },
};
