import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CharTokenizer } from '../../src/data/char-tokenizer.js';
import { decodeText, encodeText } from '../../src/data/tokenizer.js';
import { Vocabulary } from '../../src/data/vocabulary.js';
import { WordTokenizer } from '../../src/data/word-tokenizer.js';

const chars = new CharTokenizer();

test('a character vocabulary is sorted(set(text)), like char-rnn and nanoGPT', () => {
  const vocab = Vocabulary.build(chars.tokenize('hello world\n'), { order: 'codepoint' });
  assert.deepEqual(vocab.tokens, ['\n', ' ', 'd', 'e', 'h', 'l', 'o', 'r', 'w']);
  assert.equal(vocab.size, 9);
  assert.deepEqual(Array.from(vocab.encode(chars.tokenize('hello'))), [4, 3, 5, 5, 6]);
  assert.deepEqual(vocab.decode([8, 6, 7, 5, 2]), ['w', 'o', 'r', 'l', 'd']);
  assert.equal(vocab.unkId, undefined);
  assert.equal(vocab.padId, undefined);
});

test('code point order puts U+FFFD before an emoji, unlike UTF-16 order', () => {
  const vocab = Vocabulary.build(chars.tokenize('\u{1F600}\uFFFDa'), { order: 'codepoint' });
  assert.deepEqual(vocab.tokens, ['a', '\uFFFD', '\u{1F600}']);
  assert.deepEqual(['\u{1F600}', '\uFFFD', 'a'].sort(), ['a', '\u{1F600}', '\uFFFD'], 'JavaScript default sort differs');
});

test('a word vocabulary is by descending count, ties alphabetical, specials first', () => {
  const words = 'the cat sat on the mat the cat'.split(' ');
  assert.deepEqual(Vocabulary.build(words).tokens, ['the', 'cat', 'mat', 'on', 'sat']);
  const vocab = Vocabulary.build(words, { specials: ['pad', 'unk'] });
  assert.deepEqual(vocab.tokens, ['<pad>', '<unk>', 'the', 'cat', 'mat', 'on', 'sat']);
  assert.equal(vocab.padId, 0);
  assert.equal(vocab.unkId, 1);
  assert.equal(vocab.bosId, undefined);
  assert.deepEqual(Array.from(vocab.encode(['the', 'dog', 'sat'])), [2, 1, 6]);
  assert.equal(vocab.idOf('zebra'), 1);
  assert.deepEqual(Vocabulary.build(words, { minCount: 2 }).tokens, ['the', 'cat']);
  assert.deepEqual(Vocabulary.build(words, { maxSize: 4, specials: ['pad', 'unk'] }).tokens, ['<pad>', '<unk>', 'the', 'cat']);
  const all = Vocabulary.build(words, { specials: ['pad', 'unk', 'bos', 'eos'] });
  assert.deepEqual([all.padId, all.unkId, all.bosId, all.eosId], [0, 1, 2, 3]);
  assert.deepEqual(all.decode([2, 4, 5, 3, 0, 0], { skipSpecials: true }), ['the', 'cat']);
});

test('maxSize keeps the most frequent characters, then orders them by code point', () => {
  const vocab = Vocabulary.build(chars.tokenize('cccbba'), { order: 'codepoint', maxSize: 2 });
  assert.deepEqual(vocab.tokens, ['b', 'c']);
});

test('special tokens take custom strings, and a corpus token equal to one is not duplicated', () => {
  const vocab = Vocabulary.build(['[UNK]', 'a', 'a'], { specials: { unk: '[UNK]' } });
  assert.deepEqual(vocab.tokens, ['[UNK]', 'a']);
  assert.equal(vocab.unkId, 0);
  assert.throws(() => vocab.specialId('pad'), /there is no pad token; build the vocabulary with specials: \['pad'/);
  assert.throws(() => Vocabulary.build(['a'], { specials: ['mask' as 'pad'] }), /unknown special role "mask"/);
});

test('an unknown token without <unk> names the token and where it is', () => {
  const vocab = Vocabulary.build(chars.tokenize('abc\n'), { order: 'codepoint' });
  assert.throws(() => vocab.encode(['a', 'b', 'z']), /unknown token "z" \(U\+007A\) at token 2; the vocabulary \(4 tokens\) has no unk token/);
  assert.throws(() => encodeText('ab\ncz', chars, vocab, 'in.txt'), /unknown token "z" \(U\+007A\) at line 2, column 2 of in\.txt/);
  assert.throws(() => encodeText('a\u{1F600}z', chars, vocab), /unknown token "\u{1F600}" \(U\+1F600\) at line 1, column 2;/u);
  const words = new WordTokenizer();
  const wordVocab = Vocabulary.build(words.tokenize('hello , world . bar'));
  assert.throws(() => encodeText('hello, world.\n  \u{1F600}x Foo bar', words, wordVocab),
    /unknown token "\u{1F600}" \(U\+1F600\) at line 2, column 3;/u);
  assert.throws(() => encodeText('hello, world.\n  \u{1F600} Foo bar', words, Vocabulary.build(['\u{1F600}', 'hello', ',', 'world', '.'])),
    /unknown token "Foo" at line 2, column 5;/);
  assert.throws(() => vocab.decode([0, 4]), /id 4 at position 1 is outside the vocabulary \(valid ids are 0\.\.3\)/);
  assert.throws(() => vocab.tokenOf(-1), /id -1 is outside/);
});

test('encodeText and decodeText round trip through a character vocabulary', () => {
  const text = 'héllo\n\u{1F600}!';
  const vocab = Vocabulary.build(chars.tokenize(text), { order: 'codepoint' });
  const ids = encodeText(text, chars, vocab);
  assert.equal(ids.length, 8);
  assert.equal(decodeText(ids, chars, vocab), text);
});

test('toJSON / fromJSON round trip through JSON text', () => {
  const vocab = Vocabulary.build('b a c a'.split(' '), { specials: ['pad', 'eos'] });
  const back = Vocabulary.fromJSON(JSON.parse(JSON.stringify(vocab)));
  assert.deepEqual(back.tokens, ['<pad>', '<eos>', 'a', 'b', 'c']);
  assert.deepEqual(back.toJSON(), { tokens: ['<pad>', '<eos>', 'a', 'b', 'c'], specials: { pad: '<pad>', eos: '<eos>' } });
  assert.equal(back.eosId, 1);
  assert.equal(back.idOf('c'), 4);
});

test('fromJSON rejects duplicates, wrong types and dangling specials with clear messages', () => {
  assert.throws(() => Vocabulary.fromJSON({ tokens: ['a', 'b', 'a'] }), /Vocabulary\.fromJSON: duplicate token "a" \(U\+0061\) at ids 0 and 2/);
  assert.throws(() => Vocabulary.fromJSON({ tokens: ['a', 7] }), /token 1 must be a string, got number \(7\)/);
  assert.throws(() => Vocabulary.fromJSON({ tokens: 'abc' }), /"tokens" must be an array of strings, got string/);
  assert.throws(() => Vocabulary.fromJSON(null), /expected an object .* got null/);
  assert.throws(() => Vocabulary.fromJSON([]), /got an array/);
  assert.throws(() => Vocabulary.fromJSON({ tokens: ['a'], specials: { unk: '<unk>' } }), /special "unk" token "<unk>" is not among the 1 tokens/);
  assert.throws(() => Vocabulary.fromJSON({ tokens: ['a'], specials: { mask: 'a' } }), /unknown special role "mask"/);
  assert.throws(() => Vocabulary.fromJSON({ tokens: ['a'], specials: { pad: 0 } }), /special "pad" must be a string, got number/);
  assert.throws(() => Vocabulary.fromJSON({ tokens: ['a'], specials: 'pad' }), /"specials" must be an object/);
});
