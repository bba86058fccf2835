import { createScanner, type SyntaxKind } from 'jsonc-parser';

// jsonc-parser declares its token kinds as an ambient const enum, which isolated modules cannot read
// as values: the ones used here, each checked against that enum by its type.
const OPEN_OBJECT: SyntaxKind.OpenBraceToken = 1;
const CLOSE_OBJECT: SyntaxKind.CloseBraceToken = 2;
const OPEN_ARRAY: SyntaxKind.OpenBracketToken = 3;
const CLOSE_ARRAY: SyntaxKind.CloseBracketToken = 4;
const COMMA: SyntaxKind.CommaToken = 5;
const STRING: SyntaxKind.StringLiteral = 10;
const END: SyntaxKind.EOF = 17;

/**
 * Objects and arrays nest at most this deep in a request body. No admin or OAuth body comes near it,
 * and the validation that follows walks bodies recursively: a body nested thousands deep overflowed
 * its stack (a 500) before this bound.
 */
export const MAX_JSON_DEPTH = 32;

/**
 * Why a JSON text that `JSON.parse` accepted is still refused, or undefined when it is not: nested
 * deeper than `MAX_JSON_DEPTH`, or a key given twice in one object. `JSON.parse` keeps the last of
 * repeated keys, so `{"scope":"","scope":"admin"}` would pass a check of the first and act on the
 * second; forms refuse repeated parameters (RFC 6749 §3.1, §3.2) and JSON bodies now do too.
 *
 * A single pass over jsonc-parser's tokens, with no recursion, so the depth of the text cannot
 * overflow the stack here either. Its scanner decodes string escapes, so `"a"` and `"\u0061"` are
 * the same key, as they are to `JSON.parse`.
 */
export function jsonBodyProblem(text: string): string | undefined {
  const scanner = createScanner(text, true);
  // One entry per open object (the keys seen so far) or array (null).
  const open: Array<Set<string> | null> = [];
  let previous: SyntaxKind | undefined;
  for (let token = scanner.scan(); token !== END; token = scanner.scan()) {
    if (token === OPEN_OBJECT || token === OPEN_ARRAY) {
      open.push(token === OPEN_OBJECT ? new Set() : null);
      if (open.length > MAX_JSON_DEPTH) return `the JSON body nests deeper than ${MAX_JSON_DEPTH} levels`;
    } else if (token === CLOSE_OBJECT || token === CLOSE_ARRAY) {
      open.pop();
    } else if (token === STRING) {
      const keys = open[open.length - 1];
      // In valid JSON, a string right after `{` or `,` inside an object is a key.
      if (keys && (previous === OPEN_OBJECT || previous === COMMA)) {
        const key = scanner.getTokenValue();
        if (keys.has(key)) return `the JSON body gives the key ${shown(key)} twice`;
        keys.add(key);
      }
    }
    previous = token;
  }
  return undefined;
}

/** The key as shown in the answer: quoted, and cut short so a long one does not fill the response. */
function shown(key: string): string {
  return JSON.stringify(key.length > 64 ? `${key.slice(0, 64)}…` : key);
}
