/**
 * A small document model: the readiness report is written once as blocks, then rendered to
 * Markdown or HTML, each renderer doing its own escaping.
 */
export type Inline = string | { code: string } | { strong: string };

/** Text of a paragraph or table cell: one inline or a sequence of them. */
export type Text = Inline | readonly Inline[];

export type Block =
  | { kind: 'heading'; level: 1 | 2 | 3; text: Text }
  /** `tone` lets a renderer that can (HTML) mark a verdict good or bad. */
  | { kind: 'paragraph'; text: Text; tone?: 'good' | 'bad' }
  | { kind: 'table'; head: readonly string[]; rows: readonly (readonly Text[])[] }
  /** Preformatted text, such as a failure with its evidence. */
  | { kind: 'pre'; text: string };

/** A titled document. */
export interface Doc {
  title: string;
  blocks: Block[];
}

/** The inlines of a text, whatever its form. */
export function inlines(text: Text): readonly Inline[] {
  return typeof text === 'string' || !Array.isArray(text) ? [text as Inline] : text;
}
