// The tokenizer interface and encodeText, which turns text into ids and, when a token is not
// in the vocabulary, says where it is (line and column) instead of only which token it is.

import { formatPosition } from './token-text.js';
import type { Vocabulary } from './vocabulary.js';

export interface Tokenizer {
  /** Splits text into tokens. */
  tokenize(text: string): string[];
  /** Joins tokens back into text (exact for characters, approximate for words). */
  detokenize(tokens: readonly string[]): string;
  /** 1-based line and column (in code points) of token `index` of tokenize(text). */
  positionOf(text: string, index: number): { line: number; column: number };
}

/** Tokenizes and encodes `text`; an unknown token error names its line and column in `source`. */
export function encodeText(text: string, tokenizer: Tokenizer, vocabulary: Vocabulary, source?: string): Int32Array {
  return vocabulary.encode(tokenizer.tokenize(text), (i) => formatPosition(tokenizer.positionOf(text, i), source));
}

/** The text of `ids`, e.g. for printing samples. */
export function decodeText(ids: ArrayLike<number>, tokenizer: Tokenizer, vocabulary: Vocabulary,
  options: { skipSpecials?: boolean } = {}): string {
  return tokenizer.detokenize(vocabulary.decode(ids, options));
}
