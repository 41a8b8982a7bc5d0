import type { Faker } from '@faker-js/faker';
import { TARGET_FIELD } from '../adversary/plan-security.js';
import { isPlainObject } from '../world/canonical.js';
import type { CatalogTool } from '../world/tools/types.js';

/**
 * Arguments like `base`, with either the free-text fields changed (`content`: the same target,
 * told something else) or the fields naming the target changed (`target`: the same words, sent
 * somewhere else). Fields come from the tool's schema, so this works for any tool.
 */
export function variantArgs(
  base: unknown,
  tool: CatalogTool | undefined,
  change: 'content' | 'target',
  faker: Faker,
): Record<string, unknown> {
  const args: Record<string, unknown> = isPlainObject(base) ? { ...base } : {};
  const properties = isPlainObject(tool?.input_schema.properties) ? (tool?.input_schema.properties as Record<string, unknown>) : {};
  const fresh = tool?.sampleArgs(faker) ?? {};
  for (const [key, schema] of Object.entries(properties)) {
    if (!isPlainObject(schema) || Array.isArray(schema.enum)) continue;
    const isTarget = TARGET_FIELD.test(key);
    if (change === 'target' && isTarget && key in fresh && fresh[key] !== args[key]) args[key] = fresh[key];
    if (change === 'content' && !isTarget && schema.type === 'string' && key in args) {
      args[key] = `${faker.lorem.sentence()} (${typeof args[key] === 'string' ? 'instead' : 'changed'})`;
    }
  }
  return args;
}
