import { createHash } from 'node:crypto';
import type { Faker } from '@faker-js/faker';
import type { ToolDefinition } from '../../config/scenario.js';
import { canonicalJson } from '../canonical.js';
import { IdSource } from '../ids.js';
import { createPr, deleteRepo, mergePr, readFile } from './builtin/code.js';
import { createAccessKey, modifyIam } from './builtin/iam.js';
import { sendEmail, sendMessage } from './builtin/messaging.js';
import { refund, transferFunds } from './builtin/payments.js';
import { closeTicket, commentTicket, readTicket, searchTickets } from './builtin/tickets.js';
import { fetchUrl } from './builtin/web.js';
import { scenarioTool } from './scenario-tool.js';
import type { CatalogTool, ToolContext, ToolEffect } from './types.js';

/** The tools every world serves unless a scenario overrides them. */
export const BUILTIN_TOOLS: readonly CatalogTool[] = [
  searchTickets,
  readTicket,
  commentTicket,
  closeTicket,
  readFile,
  createPr,
  mergePr,
  deleteRepo,
  refund,
  transferFunds,
  modifyIam,
  createAccessKey,
  sendMessage,
  sendEmail,
  fetchUrl,
];

/** What tools run with: seeded data, the world's base URL for what they create, and its id counters. */
export function toolContext(faker: Faker, baseUrl: string, ids: IdSource = new IdSource()): ToolContext {
  return { faker, baseUrl, nextId: (prefix) => ids.nextId(prefix), nextNumber: (prefix) => ids.nextNumber(prefix) };
}

/** The built-in tools with a scenario's tools added; a scenario tool with a built-in's name replaces it. */
export function buildCatalog(extra: readonly ToolDefinition[] = []): Map<string, CatalogTool> {
  const catalog = new Map<string, CatalogTool>(BUILTIN_TOOLS.map((tool) => [tool.name, tool]));
  for (const definition of extra) catalog.set(definition.name, scenarioTool(definition));
  return catalog;
}

/** A tool as the world lists it (REST `GET /tools`; MCP `tools/list` renames the fields). */
export interface ListedTool {
  name: string;
  description: string;
  input_schema: Record<string, unknown>;
  effect: ToolEffect;
  /** Contract extension: the JSON Schema every result of the tool conforms to, when declared. */
  output_schema?: Record<string, unknown>;
}

export function listTools(catalog: ReadonlyMap<string, CatalogTool>): ListedTool[] {
  return [...catalog.values()].map(({ name, description, input_schema, effect, output_schema }) => ({
    name,
    description,
    input_schema,
    effect,
    ...(output_schema ? { output_schema } : {}),
  }));
}

/**
 * A stable hash of the tool definitions served: it changes exactly when a name, description,
 * schema or effect changes (a rug pull), and is the same for the same catalog on every run.
 */
export function schemaVersion(catalog: ReadonlyMap<string, CatalogTool>): string {
  return createHash('sha256')
    .update(canonicalJson(listTools(catalog)))
    .digest('hex')
    .slice(0, 16);
}
