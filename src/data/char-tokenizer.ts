// Characters as tokens, split by Unicode code point (an emoji is one token, not two UTF-16
// halves), as char-rnn and nanoGPT's shakespeare_char do with Python strings.

import type { Tokenizer } from './tokenizer.js';

export class CharTokenizer implements Tokenizer {
  tokenize(text: string): string[] {
    return Array.from(text);
  }

  detokenize(tokens: readonly string[]): string {
    return tokens.join('');
  }

  positionOf(text: string, index: number): { line: number; column: number } {
    let line = 1, column = 1, i = 0;
    for (const ch of text) {
      if (i === index) return { line, column };
      if (ch === '\n') { line++; column = 1; } else column++;
      i++;
    }
    throw new Error(`CharTokenizer.positionOf: token ${index} is past the end of the text (${i} characters)`);
  }
}
