// @ts-check
// The synchronous guards a proposed tool call passes before anything is sent, in order. Each is
// named after the break that switches it off. They are plain functions of the call and the run's
// state, so they hold whatever the model says: the model is assumed hijacked.

/**
 * @typedef {import('./policy.js').Policy} Policy
 * @typedef {import('./tools-client.js').ToolInfo} ToolInfo
 * @typedef {{ rule: string, reason: string }} Denial
 * @typedef {{ budget: 'tool_calls' | 'write_actions', limit: number, used: number }} BudgetHit
 * @typedef {object} GuardState
 * @property {Policy} policy
 * @property {ReadonlySet<string>} breaks
 * @property {ReadonlyMap<string, ToolInfo>} tools     what the world listed at the start
 * @property {string | null} schemaVersion
 * @property {{ toolCalls: number, writeActions: number }} used
 * @property {ReadonlyMap<string, number>} failures   consecutive failures per tool
 * @property {import('./redact.js').Redactor} redactor
 * @property {ReadonlySet<string>} changedTools  tools whose definition changed since the run started
 * @typedef {{ name: string, args: Record<string, unknown> }} GuardedCall
 */

/**
 * Write if either side says so: the manifest's declaration or the world's effect.
 * @param {string} name @param {GuardState} s
 */
export function isWrite(name, s) {
  return s.policy.write.has(name) || s.tools.get(name)?.effect === 'write';
}

/**
 * Which tools the model is offered: the allowed ones the world has. Offering fewer is not the
 * guard (the model may name any tool anyway), it just keeps honest models on track.
 * @param {GuardState} s
 */
export function offeredTools(s) {
  return [...s.tools.values()].filter(
    (t) => s.breaks.has('default-deny') || (s.policy.allow.has(t.name) && !s.policy.forbidden.has(t.name)),
  );
}

/**
 * forbidden → default-deny → read-write → schema-change. Forbidden comes first so that a forbidden tool is denied
 * under its own rule even though it is also outside the allowlist.
 * @param {GuardedCall} call @param {GuardState} s
 * @returns {Denial | null}
 */
export function authorize({ name }, s) {
  const { policy, breaks } = s;
  const forbidden = policy.forbidden.has(name);
  if (forbidden) {
    if (!breaks.has('forbidden')) return { rule: 'forbidden', reason: `${name} is forbidden by the manifest` };
    // Broken on purpose: a forbidden tool now skips every authorization check, or the
    // allowlist would still catch it and the break would show nothing.
    return null;
  }
  if (!breaks.has('default-deny') && !policy.allow.has(name)) {
    const reason = s.tools.has(name) ? `${name} is not on the allowlist` : `${name} is not a known tool`;
    return { rule: 'default-deny', reason };
  }
  if (!breaks.has('read-write') && s.tools.get(name)?.effect === 'write' && !policy.write.has(name)) {
    return { rule: 'read-only', reason: `${name} writes, and the manifest allows it no writes` };
  }
  // A definition that changed mid-run is not the one the model was shown or the manifest was
  // reviewed against: the tool is not called again in this run.
  if (!breaks.has('schema-change') && s.changedTools.has(name)) {
    return {
      rule: 'schema-change',
      reason: `${name} changed its definition during the run (schema version now ${s.schemaVersion ?? 'unknown'})`,
    };
  }
  return null;
}

/**
 * Checked before the call is sent: running it would take a budget past its cap.
 * @param {GuardedCall} call @param {GuardState} s
 * @returns {BudgetHit | null}
 */
export function checkBudgets({ name }, s) {
  const { budgets } = s.policy;
  if (!s.breaks.has('tool-call-budget') && s.used.toolCalls >= budgets.toolCalls) {
    return { budget: 'tool_calls', limit: budgets.toolCalls, used: s.used.toolCalls };
  }
  if (!s.breaks.has('write-budget') && isWrite(name, s) && s.used.writeActions >= budgets.writeActions) {
    return { budget: 'write_actions', limit: budgets.writeActions, used: s.used.writeActions };
  }
  return null;
}

/**
 * dlp → egress → circuit-breaker.
 * @param {GuardedCall} call @param {GuardState} s
 * @returns {Denial | null}
 */
export function screen(call, s) {
  if (!s.breaks.has('dlp')) {
    const kinds = s.redactor.findSecrets(call.args);
    // Name the kinds, never the values.
    if (kinds.length > 0) return { rule: 'dlp', reason: `arguments contain secret material (${kinds.join(', ')})` };
  }
  if (!s.breaks.has('egress')) {
    const denial = checkEgress(call, s.policy.egressAllowDomains);
    if (denial) return denial;
  }
  const after = s.policy.budgets.circuitBreakerAfter;
  if (!s.breaks.has('circuit-breaker') && after > 0 && (s.failures.get(call.name) ?? 0) >= after) {
    return { rule: 'circuit-open', reason: `${call.name} failed ${after} times in a row` };
  }
  return null;
}

// Tools whose whole point is to send something out. Other tools only talk to the world they
// belong to, so a URL among their arguments is data, not a destination.
const EGRESS_TOOL = /^(?:send_email|send_message|fetch_url)$|^(?:send|post|fetch|http|webhook|upload|email|notify)_/;
const DESTINATION_KEY =
  /^(?:to|cc|bcc|reply_to|recipients?|emails?|address|channel|url|uri|href|link|endpoint|webhook(?:_url)?|callback(?:_url)?|target|domain|host)$/i;

/**
 * Every destination of a messaging or fetching tool must be inside the manifest's egress
 * allowlist (empty by default). A destination that cannot be resolved to a domain counts as
 * outside, and so does a call with no destination at all: what cannot be checked is not sent.
 * @param {GuardedCall} call @param {readonly string[]} allowDomains
 * @returns {Denial | null}
 */
function checkEgress({ name, args }, allowDomains) {
  if (!EGRESS_TOOL.test(name)) return null;
  const destinations = [];
  for (const [key, value] of Object.entries(args ?? {})) {
    for (const v of Array.isArray(value) ? value : [value]) {
      if (typeof v !== 'string') continue;
      const domain = domainOf(v);
      // A field holding a URL or an address is a destination whatever its name.
      if (DESTINATION_KEY.test(key) || (domain && /^(?:https?:\/\/|[^\s@]+@)/i.test(v.trim()))) destinations.push(domain);
    }
  }
  if (destinations.length === 0) return { rule: 'egress', reason: `${name} has no destination that can be checked` };
  for (const domain of destinations) {
    if (domain === undefined) return { rule: 'egress', reason: `${name} has a destination that is not a domain` };
    if (!allowDomains.some((a) => domain === a || domain.endsWith(`.${a}`))) {
      return { rule: 'egress', reason: `${domain} is outside the egress allowlist` };
    }
  }
  return null;
}

/** @param {string} value @returns {string | undefined} */
function domainOf(value) {
  const v = value.trim();
  const email = /^[^\s@<>]+@([A-Za-z0-9.-]+\.[A-Za-z]{2,})>?$/.exec(v.replace(/^.*</, ''));
  if (email) return /** @type {string} */ (email[1]).toLowerCase();
  try {
    const url = new URL(v);
    if (url.hostname) return url.hostname.toLowerCase().replace(/^\[|\]$/g, '');
  } catch {
    // not a URL
  }
  if (/^[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+$/.test(v)) return v.toLowerCase();
  return undefined;
}

// What a call acts on (which ticket, repo, recipient) as opposed to what it says.
const TARGET_KEY = /(?:^|_)(?:id|ids|number|repo|repository|ticket|path|url|uri|channel|to|recipient|account|principal|user|email|role)$/i;

/**
 * Writes proposed together that cannot all be meant: the same tool on the same target saying
 * different things (opposite instructions), or saying the same thing to different targets (the
 * model could not tell which was meant). Such writes are held back, not guessed at.
 * @param {readonly { id: string, name: string, args: Record<string, unknown> | undefined }[]} proposals
 * @param {GuardState} s
 * @returns {Set<string>} the ids of the conflicting calls
 */
export function conflictingWrites(proposals, s) {
  const held = new Set();
  if (s.breaks.has('ambiguity')) return held;
  const writes = proposals.filter((p) => p.args && isWrite(p.name, s));
  const split = (/** @type {Record<string, unknown>} */ args) => {
    const entries = Object.entries(args).sort(([a], [b]) => a.localeCompare(b));
    return {
      target: JSON.stringify(entries.filter(([k]) => TARGET_KEY.test(k))),
      content: JSON.stringify(entries.filter(([k]) => !TARGET_KEY.test(k))),
    };
  };
  for (const [i, a] of writes.entries()) {
    for (const b of writes.slice(i + 1)) {
      if (a.name !== b.name) continue;
      const x = split(/** @type {Record<string, unknown>} */ (a.args));
      const y = split(/** @type {Record<string, unknown>} */ (b.args));
      if ((x.target === y.target) !== (x.content === y.content)) {
        held.add(a.id);
        held.add(b.id);
      }
    }
  }
  return held;
}
