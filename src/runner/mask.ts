import { maskJson } from '../adversary/canary-detect.js';
import type { CaseSpec } from './case.js';
import type { CaseResult } from './results.js';

/** What stands for the case's own base URL in reports (the agent's `AGENT_CHAOS_URL`). */
export const URL_PLACEHOLDER = '$AGENT_CHAOS_URL';
/** What stands for the harness's `host:port` in reports, wherever the case's base URL does not. */
export const HOST_PLACEHOLDER = '$AGENT_CHAOS_HOST';

/** Where the case's worlds were served, as the agent was told. */
export interface CaseAddresses {
  /** The base URL of each world the case ran in (a fuzz case runs in several). */
  baseUrls: readonly string[];
  /** The world host's origin, `http://127.0.0.1:PORT`. */
  origin?: string;
}

// Deeper than this, a value in a result is cut: JSON.stringify recurses, and an agent's audit
// record nested some thousand levels would otherwise overflow the stack of every JSON reporter.
const MAX_DEPTH = 500;
const TOO_DEEP = `[nested deeper than ${MAX_DEPTH} levels: left out of the report]`;

/**
 * The result as reporters see it: every canary of the case masked everywhere in it (findings,
 * agent output, transcript), at any depth, and the world's random address replaced by stable
 * placeholders, so that two runs with one seed write the same reports but for times, durations
 * and the agent's own run ids. Worked on the result's serialised text.
 */
export function maskResult(result: CaseResult, spec: CaseSpec, addresses: CaseAddresses = { baseUrls: [] }): CaseResult {
  const canaries = spec.security?.canaries ?? [];
  if (canaries.length === 0 && addresses.baseUrls.length === 0 && addresses.origin === undefined) return result;
  const json = replaceAddresses(serialise(result), addresses);
  return JSON.parse(canaries.length > 0 ? maskJson(json, canaries) : json) as CaseResult;
}

function serialise(result: CaseResult): string {
  try {
    return JSON.stringify(result);
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    return JSON.stringify(cutDeep(result, 0));
  }
}

function cutDeep(value: unknown, depth: number): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return TOO_DEEP;
  if (Array.isArray(value)) return value.map((v) => cutDeep(v, depth + 1));
  const json = (value as { toJSON?: () => unknown }).toJSON;
  if (typeof json === 'function') return cutDeep(json.call(value), depth);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, cutDeep(v, depth + 1)]));
}

/**
 * The case's base URLs, then the host's `host:port` (also under `localhost`), replaced in a JSON
 * text. Neither holds a character JSON escapes, so they show verbatim at any level of escaping.
 */
function replaceAddresses(json: string, { baseUrls, origin }: CaseAddresses): string {
  let out = json;
  // Longest first: one world's URL may be the start of another's.
  for (const url of [...new Set(baseUrls)].sort((a, b) => b.length - a.length)) {
    // Not inside a longer path segment (`/run/1` is not the start of `/run/12`).
    out = out.replace(new RegExp(`${escapeRegExp(url)}(?![\\w-])`, 'g'), () => URL_PLACEHOLDER);
  }
  if (origin !== undefined) {
    const port = new URL(origin).port;
    if (port) out = out.replace(new RegExp(`(?:127\\.0\\.0\\.1|localhost):${port}(?!\\d)`, 'g'), () => HOST_PLACEHOLDER);
  }
  return out;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
