import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CharTokenizer } from '../../src/data/char-tokenizer.js';
import { compareCodePoints, lineColumnAt } from '../../src/data/token-text.js';
import { WordTokenizer } from '../../src/data/word-tokenizer.js';

test('CharTokenizer splits by code point, not UTF-16 unit', () => {
  const t = new CharTokenizer();
  const text = 'a\u{1F600}b\n';
  assert.equal(text.length, 5);
  assert.deepEqual(t.tokenize(text), ['a', '\u{1F600}', 'b', '\n']);
  assert.equal(t.detokenize(t.tokenize(text)), text);
  assert.deepEqual(t.positionOf('ab\n\u{1F600}cd', 4), { line: 2, column: 2 });
  assert.deepEqual(t.positionOf('ab\n', 2), { line: 1, column: 3 });
  assert.throws(() => t.positionOf('ab', 2), /token 2 is past the end of the text \(2 characters\)/);
});

test('WordTokenizer separates punctuation, keeps inner apostrophes, and detokenizes', () => {
  const t = new WordTokenizer();
  const text = "Hello, world! Don't stop (now).";
  const tokens = t.tokenize(text);
  assert.deepEqual(tokens, ['Hello', ',', 'world', '!', "Don't", 'stop', '(', 'now', ')', '.']);
  assert.equal(t.detokenize(tokens), text);
  assert.deepEqual(new WordTokenizer({ lowercase: true }).tokenize(text), ['hello', ',', 'world', '!', "don't", 'stop', '(', 'now', ')', '.']);
  assert.deepEqual(t.tokenize('  Café naïve\t3.14\n\n-- x_y '), ['Café', 'naïve', '3', '.', '14', '-', '-', 'x', '_', 'y']);
  assert.deepEqual(t.tokenize(' \n\t'), []);
  assert.deepEqual(t.positionOf('one two\n  three', 2), { line: 2, column: 3 });
});

test('compareCodePoints orders like Python and lineColumnAt counts code points', () => {
  const sorted = ['b', '\u{1F600}', 'ab', '\uFFFD', 'a', ''].sort(compareCodePoints);
  assert.deepEqual(sorted, ['', 'a', 'ab', 'b', '\uFFFD', '\u{1F600}']);
  assert.deepEqual(lineColumnAt('\u{1F600}\u{1F600}x', 4), { line: 1, column: 3 });
  assert.deepEqual(lineColumnAt('a\nb\nc', 4), { line: 3, column: 1 });
});
