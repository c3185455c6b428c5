import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../../src/io/atomic-write.js';

test('writeFileAtomic writes, replaces, and leaves no temp file behind', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rnnkit-aw-'));
  try {
    const path = join(dir, 'ckpt.safetensors');
    writeFileAtomic(path, Uint8Array.from([1, 2, 3]));
    assert.deepEqual([...readFileSync(path)], [1, 2, 3]);
    writeFileAtomic(path, 'héllo');
    assert.equal(readFileSync(path, 'utf8'), 'héllo');
    // A view into a larger buffer writes only its own bytes.
    writeFileAtomic(path, new Uint8Array([9, 8, 7, 6]).subarray(1, 3));
    assert.deepEqual([...readFileSync(path)], [8, 7]);
    assert.deepEqual(readdirSync(dir), ['ckpt.safetensors']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('writeFileAtomic into a missing folder fails naming the path', () => {
  const path = join(tmpdir(), 'rnnkit-no-such-dir-9f3a', 'x.bin');
  assert.throws(() => writeFileAtomic(path, 'x'), (e: Error) => e.message.startsWith(`writeFileAtomic: could not write ${path}: ENOENT`));
});

test('a failed rename keeps the other files and removes the temp file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rnnkit-aw-'));
  try {
    writeFileAtomic(join(dir, 'keep'), 'old');
    // Renaming a file over a non-empty folder fails on every platform.
    mkdirSync(join(dir, 'taken'));
    writeFileAtomic(join(dir, 'taken', 'inner'), 'x');
    assert.throws(() => writeFileAtomic(join(dir, 'taken'), 'new'), /writeFileAtomic: could not write .*taken: E/);
    assert.equal(readFileSync(join(dir, 'keep'), 'utf8'), 'old');
    assert.deepEqual(readdirSync(dir).sort(), ['keep', 'taken']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
