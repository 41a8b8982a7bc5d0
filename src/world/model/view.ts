import type { ResolvedCall } from '../../runner/case.js';

/**
 * Every string in a request's messages and tool definitions, one per line, in order: what the
 * model "read". Taken from all string leaves so nothing an agent sends (content parts, tool
 * results, tool-call arguments, image URLs, schema descriptions) escapes injection and leak checks.
 */
export function flattenText(...parts: unknown[]): string {
  const out: string[] = [];
  for (const part of parts) collectStrings(part, out);
  return out.join('\n');
}

// Structural keys carry no text the agent chose.
const SKIPPED_KEYS = new Set(['role', 'type']);

function collectStrings(value: unknown, out: string[]): void {
  if (typeof value === 'string') {
    if (value !== '') out.push(value);
  } else if (Array.isArray(value)) {
    for (const item of value) collectStrings(item, out);
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) if (!SKIPPED_KEYS.has(key)) collectStrings(item, out);
  }
}

/** A deterministic token estimate: about four characters a token. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** Output tokens of an answer: its text and tool calls, plus any the policy asked to claim. */
export function outputTokens(text: string | undefined, calls: readonly ResolvedCall[], extra = 0): number {
  const chars = (text ?? '').length + calls.reduce((n, c) => n + c.name.length + c.rawArgs.length, 0);
  return Math.ceil(chars / 4) + extra;
}

/** An answer's text in word-sized pieces, as a real model streams it. */
export function wordPieces(text: string): string[] {
  return text.match(/\s*\S+\s*|\s+/g) ?? [];
}

// Argument text goes out in fragments this long, as a real model streams it token by token.
const ARGUMENT_PIECE = 8;

/** A tool call's argument text in the fragments a stream carries it in. */
export function argumentPieces(raw: string): string[] {
  const pieces: string[] = [];
  for (let at = 0; at < raw.length; at += ARGUMENT_PIECE) pieces.push(raw.slice(at, at + ARGUMENT_PIECE));
  return pieces;
}
