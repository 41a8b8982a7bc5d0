import type { Block, Doc, Inline, Text } from './document.js';
import { inlines } from './document.js';

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ENTITIES[char] ?? char);
}

function inline(part: Inline): string {
  if (typeof part === 'string') return escapeHtml(part);
  if ('code' in part) return `<code>${escapeHtml(part.code)}</code>`;
  return `<strong>${escapeHtml(part.strong)}</strong>`;
}

const text = (value: Text): string => inlines(value).map(inline).join('');

function block(b: Block): string {
  switch (b.kind) {
    case 'heading':
      return `<h${b.level}>${text(b.text)}</h${b.level}>`;
    case 'paragraph':
      return b.tone ? `<p class="${b.tone}">${text(b.text)}</p>` : `<p>${text(b.text)}</p>`;
    case 'table': {
      const head = b.head.map((cell) => `<th>${escapeHtml(cell)}</th>`).join('');
      const rows = b.rows.map((cells) => `<tr>${cells.map((cell) => `<td>${text(cell)}</td>`).join('')}</tr>`);
      return `<table>\n<thead><tr>${head}</tr></thead>\n<tbody>\n${rows.join('\n')}\n</tbody>\n</table>`;
    }
    case 'pre':
      return `<pre>${escapeHtml(b.text)}</pre>`;
  }
}

const STYLE = `body{font:15px/1.5 system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem;color:#1b1f23}
table{border-collapse:collapse;margin:1rem 0}th,td{border:1px solid #d0d7de;padding:.3rem .6rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}pre{background:#f6f8fa;padding:.8rem;overflow-x:auto;white-space:pre-wrap}
code{font-family:ui-monospace,monospace}.good{color:#116329;font-size:1.2rem}.bad{color:#a40e26;font-size:1.2rem}`;

/**
 * Renders a document as one self-contained HTML page: inline style, no scripts, and a content
 * security policy that forbids loading anything, so even a hostile excerpt cannot fetch out.
 */
export function renderHtml(doc: Doc): string {
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(doc.title)}</title>`,
    `<style>\n${STYLE}\n</style>`,
    '</head>',
    '<body>',
    '<main>',
    ...doc.blocks.map(block),
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
