import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { readTextCorpus } from '../../src/data/text-corpus.js';
import { firstInvalidUtf8 } from '../../src/data/utf8.js';

const root = mkdtempSync(join(tmpdir(), 'rnnkit-corpus-'));
after(() => rmSync(root, { recursive: true, force: true }));

function file(name: string, content: string | Uint8Array): string {
  const path = join(root, name);
  writeFileSync(path, content);
  return path;
}

test('a file reads as text with CRLF normalised to LF and the BOM removed', () => {
  assert.equal(readTextCorpus(file('crlf.txt', 'first\r\nsecond\r\n\u{1F600}\r\n')), 'first\nsecond\n\u{1F600}\n');
  assert.equal(readTextCorpus(file('bom.txt', '\uFEFFhi')), 'hi');
});

test('a folder reads its .txt files in name order, one newline between files', () => {
  const folder = join(root, 'books');
  mkdirSync(join(folder, 'nested'), { recursive: true });
  writeFileSync(join(folder, 'b.txt'), 'bee\n');
  writeFileSync(join(folder, 'a.txt'), 'ant');
  writeFileSync(join(folder, 'c.txt'), 'cat\r\n');
  writeFileSync(join(folder, 'notes.md'), 'ignored');
  writeFileSync(join(folder, 'nested', '0.txt'), 'ignored');
  assert.equal(readTextCorpus(folder), 'ant\nbee\ncat\n');
});

test('missing, empty, binary and non-UTF-8 inputs fail with the reason and offset', () => {
  assert.throws(() => readTextCorpus(join(root, 'nope.txt')), /no such file or folder: .*nope\.txt/);
  const empty = file('empty.txt', '');
  assert.throws(() => readTextCorpus(empty), new RegExp(`${empty.replace(/[.\\]/g, '\\$&')} is empty`));
  assert.throws(() => readTextCorpus(file('bin.txt', new Uint8Array([0x61, 0x62, 0x00, 0x63]))), /bin\.txt looks binary: NUL byte at offset 2/);
  assert.throws(() => readTextCorpus(file('utf16.txt', Buffer.from('hi', 'utf16le'))), /looks binary: NUL byte at offset 1/);
  assert.throws(() => readTextCorpus(file('latin1.txt', Buffer.from('caf\xe9 au lait', 'latin1'))), /latin1\.txt looks binary or is not UTF-8: invalid UTF-8 byte 0xE9 at offset 3/);
  const bare = join(root, 'bare');
  mkdirSync(bare);
  writeFileSync(join(bare, 'x.csv'), '1,2');
  assert.throws(() => readTextCorpus(bare), /the folder .*bare has no \.txt files/);
});

test('firstInvalidUtf8 finds the start of the first ill-formed sequence', () => {
  const bytes = (...b: number[]) => new Uint8Array(b);
  assert.equal(firstInvalidUtf8(new TextEncoder().encode('aé€\u{1F600}\u{10FFFF}')), -1);
  assert.equal(firstInvalidUtf8(bytes(0x61, 0xc0, 0x80)), 1, 'overlong C0');
  assert.equal(firstInvalidUtf8(bytes(0xe0, 0x80, 0x80)), 0, 'overlong E0');
  assert.equal(firstInvalidUtf8(bytes(0xed, 0xa0, 0x80)), 0, 'surrogate');
  assert.equal(firstInvalidUtf8(bytes(0xf4, 0x90, 0x80, 0x80)), 0, 'past U+10FFFF');
  assert.equal(firstInvalidUtf8(bytes(0x61, 0xe2, 0x82)), 1, 'truncated');
  assert.equal(firstInvalidUtf8(bytes(0x61, 0x62, 0x80)), 2, 'stray continuation');
  assert.equal(firstInvalidUtf8(bytes(0xc3, 0xa9, 0xe2, 0x28, 0xa1)), 2, 'bad continuation');
});
