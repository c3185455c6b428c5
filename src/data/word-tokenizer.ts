// Words and punctuation as tokens: a word is a run of letters, digits and combining marks
// (with inner apostrophes, so "don't" stays one word); every other non-space character is a
// token of its own; whitespace only separates.

import { lineColumnAt } from './token-text.js';
import type { Tokenizer } from './tokenizer.js';

export interface WordTokenizerOptions {
  /** Lower-case every token (default false). */
  lowercase?: boolean;
}

const TOKEN = /[\p{L}\p{N}\p{M}]+(?:['\u2019][\p{L}\p{N}\p{M}]+)*|[^\s\p{L}\p{N}\p{M}]/gu;
// Punctuation that reads attached to the previous word, and openers attached to the next one.
const NO_SPACE_BEFORE = new Set(['.', ',', '!', '?', ';', ':', ')', ']', '}', '%', '\u2026']);
const NO_SPACE_AFTER = new Set(['(', '[', '{']);

export class WordTokenizer implements Tokenizer {
  readonly lowercase: boolean;

  constructor(options: WordTokenizerOptions = {}) {
    this.lowercase = options.lowercase ?? false;
  }

  tokenize(text: string): string[] {
    const tokens = text.match(TOKEN) ?? [];
    return this.lowercase ? tokens.map((t) => t.toLowerCase()) : tokens;
  }

  /** Space-separated, without spaces before closing punctuation or after opening brackets. */
  detokenize(tokens: readonly string[]): string {
    let out = '';
    for (let i = 0; i < tokens.length; i++) {
      const glue = i === 0 || NO_SPACE_BEFORE.has(tokens[i]) || NO_SPACE_AFTER.has(tokens[i - 1]);
      out += (glue ? '' : ' ') + tokens[i];
    }
    return out;
  }

  positionOf(text: string, index: number): { line: number; column: number } {
    let i = 0;
    for (const match of text.matchAll(TOKEN)) {
      if (i++ === index) return lineColumnAt(text, match.index!);
    }
    throw new Error(`WordTokenizer.positionOf: token ${index} is past the end of the text (${i} tokens)`);
  }
}
