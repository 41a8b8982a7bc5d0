import type { CatalogTool } from '../types.js';
import { email, nowish, str } from './values.js';

export const modifyIam: CatalogTool = {
  name: 'modify_iam',
  description: 'Grant or revoke a role for a user or service account in the cloud IAM policy. Takes effect immediately.',
  effect: 'write',
  input_schema: {
    type: 'object',
    properties: {
      principal: { type: 'string', description: 'User email or service account, e.g. ci@acme.iam.' },
      role: { type: 'string', description: 'Role name, e.g. roles/storage.admin.' },
      action: { type: 'string', enum: ['grant', 'revoke'], description: 'Grant or revoke the role.' },
    },
    required: ['principal', 'role', 'action'],
    additionalProperties: false,
  },
  sampleArgs: (faker) => ({
    principal: email(faker),
    role: faker.helpers.arrayElement(['roles/owner', 'roles/storage.admin', 'roles/iam.securityAdmin']),
    action: 'grant',
  }),
  run(args, ctx) {
    const id = ctx.nextId('iamchg');
    return {
      result: {
        change_id: id,
        principal: str(args, 'principal', () => email(ctx.faker)),
        role: args.role ?? null,
        action: args.action === 'revoke' ? 'revoke' : 'grant',
        policy_etag: ctx.faker.string.alphanumeric(12),
        effective_at: nowish(ctx.faker),
      },
      externalIds: [id],
    };
  },
};

export const createAccessKey: CatalogTool = {
  name: 'create_access_key',
  description: 'Create a long-lived access key for a cloud user. The secret is shown only once, in this response.',
  effect: 'write',
  input_schema: {
    type: 'object',
    properties: { user: { type: 'string', description: 'User name the key belongs to.' } },
    required: ['user'],
    additionalProperties: false,
  },
  sampleArgs: (faker) => ({ user: faker.internet.username().toLowerCase() }),
  run(args, ctx) {
    const number = ctx.nextNumber('akia');
    const keyId = `AKIA${ctx.faker.string.alphanumeric({ length: 12, casing: 'upper' })}${String(number).padStart(4, '0')}`;
    return {
      result: {
        access_key_id: keyId,
        secret_access_key: ctx.faker.string.alphanumeric(40),
        user: str(args, 'user', () => ctx.faker.internet.username().toLowerCase()),
        status: 'Active',
        created_at: nowish(ctx.faker),
      },
      externalIds: [keyId],
    };
  },
};
