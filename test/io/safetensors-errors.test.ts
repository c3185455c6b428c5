import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tensor } from '../../src/tensor/tensor.js';
import { parseSafetensors, serializeSafetensors } from '../../src/io/safetensors.js';
import { loadSafetensors, loadStateDictFile } from '../../src/io/safetensors-file.js';

/** [u64 length][header text, unpadded][dataBytes zero bytes]: lets each test break one rule. */
function file(headerText: string, dataBytes: number, declaredLength?: number): Uint8Array {
  const h = new TextEncoder().encode(headerText);
  const out = new Uint8Array(8 + h.length + dataBytes);
  new DataView(out.buffer).setBigUint64(0, BigInt(declaredLength ?? h.length), true);
  out.set(h, 8);
  return out;
}
const f32 = (name: string, shape: number[], begin: number, end: number) =>
  `"${name}":{"dtype":"F32","shape":${JSON.stringify(shape)},"data_offsets":[${begin},${end}]}`;

const cases: [string, Uint8Array, RegExp][] = [
  ['shorter than 8 bytes', new Uint8Array(5), /file is 5 bytes long, too short for the 8-byte header length/],
  ['header length beyond the file', file('{}', 2, 1000), /header length 1000 is larger than the 4 bytes that follow it/],
  ['header length over 100 MB', file('{}', 0, 2 ** 40), /header length 1099511627776 exceeds the 100000000-byte limit/],
  ['header not starting with {', file('[1]', 0), /header must start with '\{' \(got byte 0x5b\)/],
  ['header not JSON', file('{"w": {"dtype": ', 0), /header is not valid JSON \(/],
  ['header not UTF-8', (() => { const b = file('{"w":1}', 0); b[10] = 0xff; return b; })(), /header is not valid UTF-8/],
  ['unknown dtype', file('{"w":{"dtype":"F99","shape":[1],"data_offsets":[0,4]}}', 4), /tensor 'w' has unknown dtype "F99" \(known: BOOL, U8/],
  ['size not shape * dtype', file(`{${f32('w', [2, 3], 0, 20)}}`, 20),
    /tensor 'w' \(F32, shape \[2, 3\]\) needs 24 bytes but its data_offsets \[0, 20\] span 20/],
  ['offsets reversed', file(`{${f32('w', [0], 8, 4)}}`, 8), /tensor 'w': data_offsets must be \[begin, end\] with 0 <= begin <= end/],
  ['shape not integers', file('{"w":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}', 4), /tensor 'w': shape must be a list of non-negative integers/],
  ['overlap', file(`{${f32('a', [2], 0, 8)},${f32('b', [2], 4, 12)}}`, 12), /tensors 'a' \[0, 8\] and 'b' \[4, 12\] overlap/],
  ['hole between tensors', file(`{${f32('a', [2], 0, 8)},${f32('b', [2], 12, 20)}}`, 20),
    /data bytes \[8, 12\) belong to no tensor \(a hole of 4 bytes between 'a' and 'b'\)/],
  ['hole at the start', file(`{${f32('b', [1], 4, 8)}}`, 8), /a hole of 4 bytes before 'b'/],
  ['bytes after the last tensor', file(`{${f32('a', [2], 0, 8)}}`, 11), /3 bytes at the end of the data buffer belong to no tensor \(the last tensor 'a' ends at 8/],
  ['truncated data', file(`{${f32('a', [2], 0, 8)},${f32('b', [4], 8, 24)}}`, 14),
    /file is truncated: tensor 'b' ends at data offset 24 but only 14 data bytes follow the header \(10 bytes missing\)/],
  ['duplicate name', file(`{${f32('w', [1], 0, 4)},${f32('w', [1], 0, 4)}}`, 4), /the header lists 'w' twice/],
  ['metadata value not a string', file('{"__metadata__":{"epoch":3}}', 0), /__metadata__ 'epoch' must be a string, got number 3/],
  ['tensor info not an object', file('{"w":[1,2]}', 0), /tensor 'w': expected \{"dtype", "shape", "data_offsets"\}, got array/],
];

for (const [what, bytes, message] of cases) {
  test(`reader rejects a file with ${what}, saying so`, () => {
    assert.throws(() => parseSafetensors(bytes, 'model.safetensors'),
      (e: Error) => e.message.startsWith('safetensors model.safetensors: ') && message.test(e.message));
  });
}

test('a truncated real file reports the exact number of missing bytes', () => {
  const whole = serializeSafetensors({ w: Tensor.zeros([3, 5]), b: Tensor.zeros([5]) });
  assert.throws(() => parseSafetensors(whole.subarray(0, whole.length - 7)), /\(7 bytes missing\)/);
});

test('every truncation and single-byte corruption of a file gives a clear error or a valid file', () => {
  const whole = serializeSafetensors({ w: Tensor.from([1, 2, 3, 4], [2, 2]), ids: { shape: [2], data: Int32Array.from([5, 6]) } },
    { note: 'x' });
  const check = (bytes: Uint8Array) => {
    try {
      parseSafetensors(bytes);
    } catch (e) {
      assert.ok(e instanceof Error && e.message.startsWith('safetensors <buffer>: '), `unexpected failure: ${e}`);
    }
  };
  for (let n = 0; n < whole.length; n++) check(whole.subarray(0, n));
  for (let i = 0; i < whole.length; i++) {
    for (const v of [0x00, 0x22, 0x2c, 0x5c, 0x7b, 0x7d, 0xff]) {
      const bad = whole.slice();
      bad[i] = v;
      check(bad);
    }
  }
});

test('file loaders name the path in the message', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rnnkit-st-'));
  try {
    const path = join(dir, 'broken.safetensors');
    writeFileSync(path, file(`{${f32('a', [2], 0, 8)}}`, 4));
    assert.throws(() => loadSafetensors(path), new RegExp(`^Error: safetensors ${path.replace(/[.\\/]/g, '\\$&')}: file is truncated`));
    const ints = join(dir, 'ints.safetensors');
    writeFileSync(ints, serializeSafetensors({ step: { shape: [1], data: BigInt64Array.from([3n]) } }));
    assert.throws(() => loadStateDictFile(ints), /ints\.safetensors: tensor 'step' is I64, not a floating-point type .* a state dict holds float weights only/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
