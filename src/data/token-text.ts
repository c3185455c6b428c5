// Small string helpers shared by vocabularies and tokenizers: code point order (Python's
// string order, which differs from JavaScript's UTF-16 order above U+FFFF) and readable
// descriptions of tokens and positions for error messages.

/** Orders strings by Unicode code points, like Python's `sorted`. */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a.codePointAt(i)!, cb = b.codePointAt(i)!;
    if (ca !== cb) return ca - cb;
    if (ca > 0xffff) i++;
  }
  return a.length - b.length;
}

/** `"é" (U+00E9)` for single characters, a JSON-quoted string otherwise ("\n" stays visible). */
export function describeToken(token: string): string {
  const chars = Array.from(token);
  if (chars.length !== 1) return JSON.stringify(token);
  const hex = token.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
  return `${JSON.stringify(token)} (U+${hex})`;
}

/** 1-based line and column (in code points) of the UTF-16 offset `offset` in `text`. */
export function lineColumnAt(text: string, offset: number): { line: number; column: number } {
  let line = 1, column = 1;
  for (let i = 0; i < offset && i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) { line++; column = 1; continue; }
    // The high half of a surrogate pair starts a code point; the low half does not.
    if (c < 0xdc00 || c > 0xdfff) column++;
  }
  return { line, column };
}

/** " at line 3, column 5 of a.txt" (source optional). */
export function formatPosition(position: { line: number; column: number }, source?: string): string {
  return ` at line ${position.line}, column ${position.column}${source ? ` of ${source}` : ''}`;
}
