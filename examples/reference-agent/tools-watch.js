// @ts-check
// Rug pulls: the tool server may change a tool's definition while the agent runs. The agent lists
// the tools again before each turn; a new schema version is logged (tools.listed) and every tool
// whose definition changed is marked, so the guards refuse it for the rest of the run. The model
// keeps seeing the definitions of the start: a changed description is not handed to it.
import { withAuth } from './tool-call.js';

/** @typedef {import('./context.js').RunContext} RunContext */

/** @param {RunContext} ctx */
export async function relistTools(ctx) {
  if (ctx.breaks.has('schema-change')) return;
  const listing = await withAuth(ctx, (token) => ctx.transport.list(token, ctx.signal));
  // A failed listing changes nothing: the definitions seen at the start still hold.
  if (listing.status !== 'ok' || listing.schemaVersion === ctx.schemaVersion) return;
  const now = new Map(listing.tools.map((t) => [t.name, t]));
  const changed = [...new Set([...ctx.tools.keys(), ...now.keys()])].filter(
    (name) => canonical(ctx.tools.get(name)) !== canonical(now.get(name)),
  );
  const previous = ctx.schemaVersion;
  ctx.schemaVersion = listing.schemaVersion;
  for (const name of changed) ctx.changedTools.add(name);
  await ctx.audit('tools.listed', { tool_schema_version: listing.schemaVersion ?? 'unknown', previous_schema_version: previous, changed });
}

/** JSON with sorted keys, so equal definitions compare equal. @param {unknown} value @returns {string} */
function canonical(value) {
  if (value === undefined) return 'undefined';
  return JSON.stringify(value, (_key, v) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v,
  );
}
