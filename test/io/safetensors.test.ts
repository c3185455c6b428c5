import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Tensor } from '../../src/tensor/tensor.js';
import {
  type SafeDtype, type SafeTensorEntry, entryToTensor, parseSafetensors, serializeSafetensors, toFloat32,
} from '../../src/io/safetensors.js';
import { assertClose } from '../helpers/close.js';
import { fixturePath, loadFixture } from '../helpers/fixtures.js';

const f32Bytes = (xs: number[]) => [...new Uint8Array(Float32Array.from(xs).buffer)];
const header = (bytes: Uint8Array) => new TextDecoder().decode(bytes.subarray(8, 8 + Number(new DataView(bytes.buffer).getBigUint64(0, true))));

// Golden bytes from the Rust crate's own tests (safetensors/src/tensor.rs: test_serialization,
// test_serialization_forced_alignement, test_empty).
test('serializer matches the reference crate byte for byte, including the space padding', () => {
  const data = Float32Array.from([0, 1, 2, 3, 4, 5]);
  const json1 = '{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}';
  assert.deepEqual([...serializeSafetensors({ 'attn.0': new Tensor(data, [1, 2, 3]) })],
    [64, 0, 0, 0, 0, 0, 0, 0, ...new TextEncoder().encode(json1), ...f32Bytes([0, 1, 2, 3, 4, 5])]);
  const json2 = '{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}       ';
  assert.deepEqual([...serializeSafetensors({ attn0: new Tensor(data, [1, 1, 2, 3]) })],
    [72, 0, 0, 0, 0, 0, 0, 0, ...new TextEncoder().encode(json2), ...f32Bytes([0, 1, 2, 3, 4, 5])]);
  assert.deepEqual([...serializeSafetensors({})], [8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32]);
  assert.deepEqual(header(serializeSafetensors({}, { framework: 'pt' })), '{"__metadata__":{"framework":"pt"}}     ');
});

interface DtypeFixture {
  metadata: Record<string, string>;
  order: string[];
  tensors: Record<string, { dtype: SafeDtype; shape: number[]; values: (number | string)[] }>;
}

test('dtypes.safetensors: every dtype PyTorch wrote reads back with exact values, in file order', () => {
  const expected = loadFixture<DtypeFixture>('safetensors/dtypes.json');
  const { tensors, metadata } = parseSafetensors(readFileSync(fixturePath('safetensors/dtypes.safetensors')));
  assert.deepEqual(metadata, expected.metadata);
  assert.deepEqual([...tensors.keys()], expected.order);
  for (const [name, want] of Object.entries(expected.tensors)) {
    const got = tensors.get(name)!;
    assert.equal(got.dtype, want.dtype, name);
    assert.deepEqual(got.shape, want.shape, name);
    if (want.dtype === 'I64') {
      assert.ok(got.data instanceof BigInt64Array);
      assert.deepEqual([...got.data], want.values.map((v) => BigInt(v)), name);
    } else if (['F32', 'F64', 'F16', 'BF16'].includes(want.dtype)) {
      const values = want.dtype === 'F64' ? got.data as Float64Array : toFloat32(got, name);
      assertClose(values, want.values as number[], { atol: 0, rtol: 0 }, name);
    } else {
      assert.deepEqual([...got.data as Int32Array], want.values, name);
    }
  }
  assert.ok(Object.is((tensors.get('f64')!.data as Float64Array)[4], -0), 'negative zero survives');
});

test('dtypes.safetensors: re-serialising the parsed entries gives the same bytes', () => {
  const bytes = readFileSync(fixturePath('safetensors/dtypes.safetensors'));
  const { tensors, metadata } = parseSafetensors(bytes);
  assert.ok(Buffer.from(serializeSafetensors(tensors, metadata)).equals(bytes));
});

test('round trip keeps dtype, shape and values for floats, ints, bools, scalars and empty tensors', () => {
  const input: Record<string, Tensor | SafeTensorEntry | { shape: number[]; data: Int32Array }> = {
    'lstm.weight_ih_l0': Tensor.from([0.5, -1.25, 3e-20, 7], [2, 2]),
    'f64': Tensor.from([Math.PI, -1e-300], [2], 'float64'),
    ids: { shape: [2, 3], data: Int32Array.from([1, -2, 3, 2147483647, -2147483648, 0]) },
    steps: { dtype: 'I64', shape: [1], data: BigInt64Array.from([9007199254740993n]) },
    mask: { dtype: 'BOOL', shape: [3], data: Uint8Array.from([1, 0, 1]) },
    half: { dtype: 'F16', shape: [2], data: Uint16Array.from([0x3c00, 0xc000]) },
    '10': Tensor.scalar(1), '2': Tensor.zeros([0, 4]), 'é': Tensor.from([1], [1]),
  };
  const bytes = serializeSafetensors(input, { epoch: '3', 'b-key': 'x' });
  const { tensors, metadata } = parseSafetensors(bytes);
  assert.deepEqual(metadata, { epoch: '3', 'b-key': 'x' });
  assert.equal(tensors.size, Object.keys(input).length);
  for (const [name, t] of Object.entries(input)) {
    const got = tensors.get(name)!;
    assert.deepEqual(got.shape, t.shape, name);
    assert.deepEqual([...got.data as Float64Array], [...t.data as Float64Array], name);
  }
  assert.equal(tensors.get('f64')!.dtype, 'F64');
  assert.equal(tensors.get('steps')!.dtype, 'I64');
  assert.equal(tensors.get('mask')!.dtype, 'BOOL');
  assert.deepEqual([...toFloat32(tensors.get('half')!)], [1, -2]);
  // Writing what we read is a fixed point.
  assert.deepEqual(serializeSafetensors(tensors, metadata), bytes);
  // Integer-like names stay where the sort puts them (a JS object would hoist them).
  assert.deepEqual([...tensors.keys()], ['steps', 'f64', '10', '2', 'lstm.weight_ih_l0', 'é', 'ids', 'half', 'mask']);
});

test('names sort by code point (UTF-8 byte order, as Rust does), not by UTF-16 unit', () => {
  // U+FF5E is one UTF-16 unit above the surrogate 0xD83D of U+1F600, yet below it as a code point.
  const bytes = serializeSafetensors({ 'a\u{1F600}': Tensor.scalar(1), 'a\u{FF5E}': Tensor.scalar(2) });
  assert.deepEqual([...parseSafetensors(bytes).tensors.keys()], ['a\u{FF5E}', 'a\u{1F600}']);
});

test('entryToTensor keeps F64 as float64, turns F16/BF16 into float32 and refuses integers', () => {
  const f64 = entryToTensor({ dtype: 'F64', shape: [1], data: Float64Array.from([0.1]) }, 'x');
  assert.equal(f64.dtype, 'float64');
  assert.equal(f64.data[0], 0.1);
  // BF16 0x4049 is 3.140625; F16 0x0001 is the smallest subnormal 2^-24; 0x7c00 is +inf.
  assert.deepEqual([...entryToTensor({ dtype: 'BF16', shape: [1], data: Uint16Array.from([0x4049]) }).data], [3.140625]);
  assert.deepEqual([...entryToTensor({ dtype: 'F16', shape: [3], data: Uint16Array.from([0x0001, 0x7c00, 0xfbff]) }).data],
    [2 ** -24, Infinity, -65504]);
  assert.throws(() => entryToTensor({ dtype: 'I32', shape: [1], data: Int32Array.from([1]) }, 'ids'),
    /tensor 'ids' is I32, not a floating-point type/);
});

test('the writer refuses what it cannot store, naming the tensor', () => {
  assert.throws(() => serializeSafetensors({ __metadata__: Tensor.scalar(1) }), /'__metadata__': the name is reserved/);
  assert.throws(() => serializeSafetensors({ h: { dtype: 'F16', shape: [1], data: Float32Array.from([1]) } }),
    /tensor 'h': dtype F16 needs its values in a Uint16Array, got a Float32Array/);
  assert.throws(() => serializeSafetensors({ w: { shape: [2, 2], data: Int32Array.from([1, 2, 3]) } }),
    /tensor 'w': shape \[2, 2\] needs 4 values, data has 3/);
  assert.throws(() => serializeSafetensors({}, { epoch: 3 as unknown as string }), /metadata 'epoch' must be a string/);
});
