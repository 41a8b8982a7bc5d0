import type { Block, Doc, Inline, Text } from './document.js';
import { inlines } from './document.js';

// Backslash-escapes the ASCII punctuation that can start markup, and HTML, in running text.
const escapeText = (text: string): string => text.replace(/[\\`*_[\]<>|~#&]/g, '\\$&').replace(/\s*\n\s*/g, ' ');

const longestRun = (text: string, char: string): number =>
  Math.max(0, ...[...text.matchAll(new RegExp(`\\${char}+`, 'g'))].map((match) => match[0].length));

// A code span's fence must be longer than any backtick run inside it; padding keeps a leading
// or trailing backtick from joining the fence.
function codeSpan(code: string, inTable: boolean): string {
  let text = code.replace(/\s*\n\s*/g, ' ');
  // GFM splits table cells on `|` even inside code spans; `\|` is its escape there.
  if (inTable) text = text.replaceAll('|', '\\|');
  const fence = '`'.repeat(longestRun(text, '`') + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

function inline(part: Inline, inTable: boolean): string {
  if (typeof part === 'string') return escapeText(part);
  if ('code' in part) return codeSpan(part.code, inTable);
  return `**${escapeText(part.strong)}**`;
}

const text = (value: Text, inTable = false): string =>
  inlines(value)
    .map((part) => inline(part, inTable))
    .join('');

function block(b: Block): string {
  switch (b.kind) {
    case 'heading':
      return `${'#'.repeat(b.level)} ${text(b.text)}`;
    case 'paragraph':
      return text(b.text);
    case 'table': {
      const row = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
      return [
        row(b.head.map((cell) => escapeText(cell))),
        row(b.head.map(() => '---')),
        ...b.rows.map((cells) => row(cells.map((cell) => text(cell, true)))),
      ].join('\n');
    }
    case 'pre': {
      const fence = '`'.repeat(Math.max(3, longestRun(b.text, '`') + 1));
      return `${fence}text\n${b.text}\n${fence}`;
    }
  }
}

/** Renders a document as GitHub-flavoured Markdown. */
export function renderMarkdown(doc: Doc): string {
  return `${doc.blocks.map(block).join('\n\n')}\n`;
}
