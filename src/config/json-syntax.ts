/** Where strict JSON (RFC 8259) text first goes wrong, and how. */
export interface JsonSyntaxError {
  offset: number;
  message: string;
}

// The YAML parser reads JSON leniently (trailing commas, comments, single quotes): a `.json` file
// must be JSON, so it is checked by this scanner first, which knows the offset of its mistake on
// every Node version (JSON.parse's messages name a position only on some).
const MAX_DEPTH = 1000;

/** The first syntax error of `text` as strict JSON, or undefined when it is valid JSON. */
export function jsonSyntaxError(text: string): JsonSyntaxError | undefined {
  let i = 0;
  const fail = (message: string, at = i): never => {
    throw { offset: at, message } satisfies JsonSyntaxError;
  };
  const describe = (at: number) => (at >= text.length ? 'end of file' : `"${text[at]}"`);
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i] as string)) i++;
  };
  const literal = (word: string) => {
    if (text.startsWith(word, i)) i += word.length;
    else fail(`unexpected ${describe(i)}: expected a value`);
  };
  const string = () => {
    i++;
    for (;;) {
      if (i >= text.length) fail('unterminated string');
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return;
      }
      if (c < 0x20) fail('a control character inside a string (write it as \\u escape)');
      if (c === 0x5c) {
        const e = text[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) fail('a \\u escape needs four hex digits');
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else fail(`invalid escape \\${e ?? ''}`);
      } else i++;
    }
  };
  const number = () => {
    const m = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m || m[0] === '' || m[0] === '-') fail(`unexpected ${describe(i)}: expected a value`);
    i += (m as RegExpExecArray)[0].length;
  };
  const value = (depth: number): void => {
    if (depth > MAX_DEPTH) fail(`nested deeper than ${MAX_DEPTH} levels`);
    ws();
    const c = text[i];
    if (c === '{') container(depth, '}', true);
    else if (c === '[') container(depth, ']', false);
    else if (c === '"') string();
    else if (c === 't') literal('true');
    else if (c === 'f') literal('false');
    else if (c === 'n') literal('null');
    else if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) number();
    else fail(`unexpected ${describe(i)}: expected a value`);
  };
  const container = (depth: number, close: string, keyed: boolean) => {
    i++;
    ws();
    if (text[i] === close) {
      i++;
      return;
    }
    for (;;) {
      if (keyed) {
        ws();
        if (text[i] !== '"') fail(`unexpected ${describe(i)}: expected a "quoted" key (no trailing comma)`);
        string();
        ws();
        if (text[i] !== ':') fail(`unexpected ${describe(i)}: expected ":"`);
        i++;
      } else {
        ws();
        if (text[i] === close) fail(`unexpected ${describe(i)}: a trailing comma`);
      }
      value(depth + 1);
      ws();
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === close) {
        i++;
        return;
      }
      fail(`unexpected ${describe(i)}: expected "," or "${close}"`);
    }
  };
  try {
    // A byte order mark is tolerated, as JSON.parse of a file read as UTF-8 would not: editors write one.
    if (text.charCodeAt(0) === 0xfeff) i = 1;
    value(0);
    ws();
    if (i < text.length) fail(`unexpected ${describe(i)} after the JSON value`);
    return undefined;
  } catch (err) {
    if (typeof err === 'object' && err !== null && 'offset' in err) return err as JsonSyntaxError;
    throw err;
  }
}
