/**
 * Finds where a JSON text stops being JSON. JSON.parse cannot be asked: some of its messages
 * carry no position, and some quote the surrounding text, which in a config file may be a
 * password. This scanner follows RFC 8259 just far enough to name the first offending offset
 * and what is wrong there, without ever repeating the text.
 */

export interface JsonSyntaxError {
  /** Offset into the text, in UTF-16 code units. */
  offset: number;
  /** What is wrong there, e.g. `expected ',' or '}' after a property value`. */
  problem: string;
}

/** Thrown inside the scanner to unwind to findJsonSyntaxError. */
class Stop {
  constructor(readonly error: JsonSyntaxError) {}
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPE = /\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})/y;

/** The first syntax error in `text`, or null when it is valid JSON. */
export function findJsonSyntaxError(text: string): JsonSyntaxError | null {
  let at = 0;
  const stop = (problem: string): never => {
    throw new Stop({ offset: at, problem: at >= text.length ? `${problem}, found the end of the file` : problem });
  };
  const skipSpace = () => {
    while (at < text.length && ' \t\n\r'.includes(text[at]!)) at++;
  };
  const take = (regex: RegExp): boolean => {
    regex.lastIndex = at;
    if (!regex.test(text)) return false;
    at = regex.lastIndex;
    return true;
  };

  const string = () => {
    at++; // the opening quote
    for (;;) {
      const c = text[at];
      if (c === undefined) stop('expected a closing \'"\'');
      else if (c === '"') {
        at++;
        return;
      } else if (c === '\\') {
        if (!take(ESCAPE)) stop('expected an escape such as \\n, \\" or \\u00e9');
      } else if (c < ' ') stop('a line break or other control character inside a string');
      else at++;
    }
  };

  // Each container lists its entries the same way; only the entry and the closing bracket differ.
  const entries = (close: string, entry: () => void, after: string) => {
    at++; // the opening bracket
    skipSpace();
    if (text[at] !== close) {
      for (;;) {
        entry();
        skipSpace();
        if (text[at] === close) break;
        if (text[at] !== ',') stop(`expected ',' or '${close}' after ${after}`);
        at++;
      }
    }
    at++; // the closing bracket
  };

  const property = () => {
    skipSpace();
    if (text[at] !== '"') stop('expected a double-quoted property name');
    string();
    skipSpace();
    if (text[at] !== ':') stop("expected ':' after the property name");
    at++;
    value();
  };

  const value = (): void => {
    skipSpace();
    const c = text[at];
    if (c === '{') entries('}', property, 'a property value');
    else if (c === '[') entries(']', value, 'a list entry');
    else if (c === '"') string();
    else if (!take(NUMBER)) {
      const word = ['true', 'false', 'null'].find((w) => text.startsWith(w, at));
      at += (word ?? stop('expected a value')).length;
    }
  };

  try {
    value();
    skipSpace();
    if (at < text.length) stop('unexpected text after the JSON value');
    return null;
  } catch (err) {
    if (err instanceof Stop) return err.error;
    throw err;
  }
}

/** 1-based line and column of `offset`. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const lineStart = before.lastIndexOf('\n') + 1;
  return { line: before.split('\n').length, column: offset - lineStart + 1 };
}
