/** Small Fetch helpers shared by the world's handlers. */

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
}

/** The world's error shape: `{"error": {"code", "message"?}}` (contract §3). */
export function jsonError(status: number, code: string, message?: string, headers: Record<string, string> = {}): Response {
  return json(status, { error: message === undefined ? { code } : { code, message } }, headers);
}

/** OpenAI's error shape, so SDKs raise their usual errors. */
export function openAiError(
  status: number,
  code: string,
  message: string,
  type = 'invalid_request_error',
  headers: Record<string, string> = {},
): Response {
  return json(status, { error: { message, type, param: null, code } }, headers);
}

/** Anthropic's error type for each status, as its API answers. */
const ANTHROPIC_ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  529: 'overloaded_error',
};

/** Anthropic's error shape, so its SDK raises its usual errors. */
export function anthropicError(status: number, message: string, headers: Record<string, string> = {}): Response {
  const type = ANTHROPIC_ERROR_TYPES[status] ?? 'api_error';
  return json(status, { type: 'error', error: { type, message } }, headers);
}

export type ParsedBody = { ok: true; text: string; value: unknown } | { ok: false; text: string };

/** Reads a body as JSON; an empty body is `undefined`, unparseable text is kept for the ledger. */
export async function readJson(request: Request): Promise<ParsedBody> {
  const text = await request.text();
  if (text.trim() === '') return { ok: true, text, value: undefined };
  try {
    return { ok: true, text, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, text };
  }
}

/**
 * The credential in the Authorization header: the token of a `Bearer` scheme, or the raw header
 * value for any other scheme (kept verbatim so the ledger shows what was really sent).
 */
export function bearerOf(request: Request): string | undefined {
  const header = request.headers.get('authorization')?.trim();
  if (!header) return undefined;
  const match = /^bearer\s+(.+)$/i.exec(header);
  return match ? match[1]!.trim() : header;
}
