// @ts-check
// The redactor: one notion of "secret" shared by the audit (redaction), the tool-argument guard
// (DLP), the final answer, escalation summaries and what the model is shown. Secrets are either
// known values (bait env vars, the run's own keys and tokens) or text matching a pattern.

/**
 * @typedef {object} Redactor
 * @property {(text: string) => string} redactText  replace every secret in the text by [REDACTED:kind]
 * @property {<T>(value: T) => T} redact             deep copy of a JSON value with every string redacted
 * @property {(value: unknown) => string[]} findSecrets  kinds of leak-worthy secret in a value,
 *   raw or encoded (base64, hex, URL-encoded, split by separators); PII such as emails is not one
 * @property {(kind: string, value: string) => void} addSecret  learn a value at run time (e.g. a token)
 */

// Values shorter than this are not treated as secrets: redacting "true" or "admin" everywhere
// would wreck records without protecting anything.
const MIN_SECRET_LENGTH = 8;
const MAX_DEPTH = 100;

/**
 * `dlp: true` marks what must never leave in tool arguments. Emails and phone numbers are PII to
 * keep out of the audit, but a triage bot legitimately writes them (egress guards recipients).
 * A `pre` group is kept in place; only the rest of the match is replaced.
 * `early` patterns run before known values are replaced: they are anchored on text (an access
 * key id) that a known-value replacement would otherwise take away first.
 * @type {ReadonlyArray<{ kind: string, re: RegExp, dlp: boolean, early?: boolean, valid?: (m: string) => boolean }>}
 */
const PATTERNS = [
  { kind: 'private_key', dlp: true, re: /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g },
  // An AWS secret key is 40 base64 characters: too common a shape on its own, so only next to
  // its name or its access key id.
  {
    kind: 'aws_secret_access_key',
    dlp: true,
    early: true,
    re: /(?<pre>(?:aws_?secret_?(?:access_?)?key|secret_?access_?key)["']?\s*[:=]\s*["']?)[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+])/gi,
  },
  {
    kind: 'aws_secret_access_key',
    dlp: true,
    early: true,
    re: /(?<pre>\b(?:AKIA|ASIA)[A-Z0-9]{16}[\s,;:|'"=/]{1,5})[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+])/g,
  },
  { kind: 'aws_access_key_id', dlp: true, re: /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g },
  { kind: 'github_token', dlp: true, re: /\b(?:gh[pousr]_[A-Za-z0-9]{20,255}|github_pat_[A-Za-z0-9_]{20,255})\b/g },
  { kind: 'slack_token', dlp: true, re: /\bxox[abprs]-[A-Za-z0-9-]{10,}/g },
  { kind: 'stripe_key', dlp: true, re: /\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{10,}\b/g },
  // Before openai_key: sk-ant- would match that one too.
  { kind: 'anthropic_key', dlp: true, re: /\bsk-ant-[A-Za-z0-9_-]{10,}/g },
  { kind: 'openai_key', dlp: true, re: /\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}/g },
  { kind: 'jwt', dlp: true, re: /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g },
  { kind: 'credential_url', dlp: true, re: /\b[a-z][a-z0-9+.-]{1,20}:\/\/[^\s:/?#@'"]+:[^\s@/'"]+@[^\s/'"?#]+/gi },
  // Before phone: a spaced card number also looks like a phone number. Not inside a word: a run of
  // digits in a UUID or a hex id passes Luhn one time in ten.
  { kind: 'card_number', dlp: true, re: /(?<![\w-])\d(?:[ -]?\d){12,18}(?![\w-])/g, valid: isCardNumber },
  // SSN-shaped, 9xx included: an ITIN, or a number never issued, is as personal in a ticket.
  { kind: 'us_ssn', dlp: true, re: /\b(?!000|666)\d{3}-(?!00)\d{2}-(?!0000)\d{4}\b/g },
  { kind: 'uk_nino', dlp: true, re: /\b[A-Z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b/g },
  { kind: 'email', dlp: false, re: /\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b/g },
  { kind: 'phone', dlp: false, re: /(?<![\w+])\+\d[\d\s().-]{6,18}\d(?![\w])/g, valid: (m) => countDigits(m) >= 8 && countDigits(m) <= 15 },
  { kind: 'phone', dlp: false, re: /(?<![\w.+-])\(?\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}(?![\w.-])/g },
];

const CARD_PREFIX =
  /^(?:4\d{12}(?:\d{3}){0,2}|5[1-5]\d{14}|2[2-7]\d{14}|3[47]\d{13}|3(?:0[0-5]|[68]\d)\d{11,16}|6(?:011|5\d\d|4[4-9]\d)\d{12,15}|35\d{14,17})$/;

/** @param {string} text */
function countDigits(text) {
  return text.replace(/\D/g, '').length;
}

/** Luhn plus an issuer prefix: Luhn alone passes one random digit string in ten. @param {string} text */
function isCardNumber(text) {
  const digits = text.replace(/\D/g, '');
  if (!CARD_PREFIX.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}

const SECRET_NAME = /KEY|TOKEN|SECRET|PASSWORD|PASS|CREDENTIAL|DSN|DATABASE_URL/i;
const HARNESS_NAME = /^(?:AGENT_CHAOS_|OPENAI_|ANTHROPIC_|OTEL_)/;
// The harness's own variables are configuration, except these, which are the run's credentials.
const HARNESS_SECRETS = new Set(['OPENAI_API_KEY', 'ANTHROPIC_API_KEY', 'AGENT_CHAOS_CLIENT_SECRET']);

/**
 * The secret values in an environment: the run's own credentials, bait variables (secret-ish
 * names) and any variable whose value matches a secret pattern whatever its name.
 * @param {Record<string, string | undefined>} env
 * @returns {{ kind: string, value: string }[]}
 */
export function secretsFromEnv(env) {
  /** @type {{ kind: string, value: string }[]} */
  const found = [];
  for (const [name, value] of Object.entries(env)) {
    if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH) continue;
    const harness = HARNESS_NAME.test(name);
    // A secret-like name is a secret even under a harness prefix (OPENAI_ADMIN_KEY is bait, not config).
    if (HARNESS_SECRETS.has(name) || SECRET_NAME.test(name) || (!harness && matchesDlpPattern(value))) {
      found.push({ kind: name, value });
    }
  }
  return found;
}

/** @param {string} text */
function matchesDlpPattern(text) {
  return PATTERNS.some((p) => p.dlp && firstMatch(p, text) !== undefined);
}

/**
 * @param {(typeof PATTERNS)[number]} pattern
 * @param {string} text
 */
function firstMatch(pattern, text) {
  pattern.re.lastIndex = 0;
  for (const m of text.matchAll(pattern.re)) {
    if (!pattern.valid || pattern.valid(m[0])) return m;
  }
  return undefined;
}

/**
 * Every way the value can appear inside a longer text: raw, URL-encoded, hex, and base64 at each of
 * the three byte alignments (a secret embedded in a base64 blob only shows up aligned to it).
 * @param {string} value
 */
function encodedForms(value) {
  const bytes = Buffer.from(value, 'utf8');
  const forms = new Set([value, encodeURIComponent(value), bytes.toString('hex'), bytes.toString('hex').toUpperCase()]);
  for (const offset of [0, 1, 2]) {
    const padded = Buffer.concat([Buffer.alloc(offset), bytes]);
    let b64 = padded.toString('base64').replace(/=+$/, '');
    // Drop the characters that also depend on the bytes around the secret.
    b64 = b64.slice([0, 2, 3][offset], padded.length % 3 === 0 ? undefined : -1);
    forms.add(b64);
    forms.add(b64.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return [...forms].filter((f) => f.length >= MIN_SECRET_LENGTH);
}

/** Letters and digits only: catches a secret split up by spaces, dashes or quotes. @param {string} text */
function normalize(text) {
  return text.replace(/[^A-Za-z0-9]/g, '');
}

/** @param {Buffer} bytes */
function printable(bytes) {
  const text = bytes.toString('latin1');
  const ok = text.replace(/[^\x20-\x7e\t\r\n]/g, '').length;
  return text.length > 0 && ok / text.length >= 0.95 ? text : undefined;
}

const BASE64_RUN = /[A-Za-z0-9+/_-]{16,}={0,2}/g;
const HEX_RUN = /\b(?:[0-9a-fA-F]{2}){8,}\b/g;
const URL_ENCODED_RUN = /[^\s"'<>]*%[0-9A-Fa-f]{2}[^\s"'<>]*/g;

/**
 * Encoded runs in the text with their decoded text.
 * @param {string} text
 * @returns {Generator<{ run: string, decoded: string, encoding: string }>}
 */
function* decodedRuns(text) {
  for (const [run] of text.matchAll(HEX_RUN)) {
    const decoded = printable(Buffer.from(run, 'hex'));
    if (decoded) yield { run, decoded, encoding: 'hex' };
  }
  for (const [run] of text.matchAll(BASE64_RUN)) {
    const decoded = printable(Buffer.from(run, 'base64'));
    if (decoded) yield { run, decoded, encoding: 'base64' };
  }
  for (const [run] of text.matchAll(URL_ENCODED_RUN)) {
    try {
      yield { run, decoded: decodeURIComponent(run), encoding: 'url' };
    } catch {
      // not valid percent-encoding: nothing hidden in it
    }
  }
}

/**
 * Every string in a JSON value: keys go to `keys`, values (numbers included) to `values`.
 * @param {unknown} value
 * @param {{ keys: string[], values: string[] }} out
 * @param {number} depth
 */
function collectStrings(value, out, depth = 0) {
  if (depth > MAX_DEPTH) return out;
  if (typeof value === 'string') out.values.push(value);
  else if (typeof value === 'number' || typeof value === 'bigint') out.values.push(String(value));
  else if (Array.isArray(value)) for (const v of value) collectStrings(v, out, depth + 1);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      out.keys.push(k);
      collectStrings(v, out, depth + 1);
    }
  }
  return out;
}

/** @param {string} kind */
const tag = (kind) => `[REDACTED:${kind}]`;

/**
 * @param {{ secrets?: { kind: string, value: string }[] }} [options]
 * @returns {Redactor}
 */
export function createRedactor({ secrets = [] } = {}) {
  /** @type {{ kind: string, value: string, forms: string[], normalized: string }[]} */
  const known = [];
  /** @type {{ form: string, kind: string }[]} longest first, so a secret is not half-replaced by a shorter one */
  let forms = [];

  /** @param {string} kind @param {string} value */
  function addSecret(kind, value) {
    if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH || known.some((k) => k.value === value)) return;
    const entry = { kind, value, forms: encodedForms(value), normalized: normalize(value) };
    known.push(entry);
    forms = [...forms, ...entry.forms.map((form) => ({ form, kind }))].sort((a, b) => b.form.length - a.form.length);
  }
  for (const s of secrets) addSecret(s.kind, s.value);

  /** @param {string} text @param {boolean} early */
  function redactPatterns(text, early) {
    let out = text;
    for (const p of PATTERNS.filter((q) => Boolean(q.early) === early)) {
      p.re.lastIndex = 0;
      out = out.replace(p.re, (/** @type {string[]} */ ...m) => {
        const groups = /** @type {Record<string, string> | undefined} */ (typeof m.at(-1) === 'object' ? m.at(-1) : undefined);
        const match = /** @type {string} */ (m[0]);
        if (p.valid && !p.valid(match)) return match;
        return (groups?.pre ?? '') + tag(p.kind);
      });
    }
    return out;
  }

  /** @param {string} text @param {(p: (typeof PATTERNS)[number]) => boolean} which */
  function patternKinds(text, which) {
    return PATTERNS.filter((p) => which(p) && firstMatch(p, text) !== undefined).map((p) => p.kind);
  }

  /** @param {string} text */
  function knownKinds(text) {
    return known.filter((k) => text.includes(k.value)).map((k) => k.kind);
  }

  /** @param {string} text */
  function redactText(text) {
    if (typeof text !== 'string' || text === '') return text;
    let out = redactPatterns(text, true);
    for (const { form, kind } of forms) if (out.includes(form)) out = out.split(form).join(tag(kind));
    out = redactPatterns(out, false);
    // Patterns hidden under an encoding: replace the whole encoded run.
    for (const { run, decoded, encoding } of decodedRuns(out)) {
      const kinds = [...knownKinds(decoded), ...patternKinds(decoded, () => true)];
      if (kinds.length > 0) out = out.split(run).join(tag(`${encoding}:${kinds[0]}`));
    }
    return out;
  }

  /** @param {unknown} value @param {number} depth @returns {any} */
  function redactDeep(value, depth) {
    if (typeof value === 'string') return redactText(value);
    // A card number can arrive as a JSON number.
    if (typeof value === 'number' && Number.isInteger(value) && isCardNumber(String(value))) return tag('card_number');
    if (depth > MAX_DEPTH) return Array.isArray(value) || (value && typeof value === 'object') ? '[TRUNCATED:depth]' : value;
    if (Array.isArray(value)) return value.map((v) => redactDeep(v, depth + 1));
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [redactText(k), redactDeep(v, depth + 1)]));
    }
    return value;
  }

  /** @param {unknown} value */
  function findSecrets(value) {
    const { keys, values } = collectStrings(value, { keys: [], values: [] });
    const kinds = new Set();
    const dlp = (/** @type {(typeof PATTERNS)[number]} */ p) => p.dlp;
    for (const text of [...keys, ...values]) {
      for (const { form, kind } of forms) if (text.includes(form)) kinds.add(kind);
      for (const kind of patternKinds(text, dlp)) kinds.add(kind);
      for (const { decoded } of decodedRuns(text)) {
        for (const kind of [...knownKinds(decoded), ...patternKinds(decoded, dlp)]) kinds.add(kind);
      }
    }
    // Split across separators or across several fields.
    const joined = normalize(values.join(''));
    for (const k of known) if (k.normalized.length >= 12 && joined.includes(k.normalized)) kinds.add(k.kind);
    return [...kinds];
  }

  return { redactText, redact: (value) => redactDeep(value, 0), findSecrets, addSecret };
}
