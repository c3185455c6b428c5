import assert from 'node:assert/strict';
import { test } from 'node:test';
import { availableBackends, setBackend, kernels } from '../../src/kernels/backend.js';
import { jsKernels as js } from '../../src/kernels/js/index.js';
import { nativeAddon } from '../../src/kernels/native/index.js';
import { Embedding } from '../../src/nn/embedding.js';
import { backward } from '../../src/tensor/autograd.js';
import { weightedSum } from '../../src/tensor/ops/basic.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { Random } from '../../src/util/random.js';

// The embedding lookup's row kernels: gather (forward) and scatter-add (backward), on every
// backend present against the js reference, bit for bit (both only move and add rows, each sum
// in position order), and the Embedding op's gradient against its known value.

function rand(n: number, rng: Random): Float32Array {
  return Float32Array.from({ length: n }, () => rng.uniform(-1, 1));
}

function onEachBackend(fn: (name: string) => void): void {
  const before = kernels().name;
  try {
    for (const name of availableBackends()) fn(setBackend(name).name);
  } finally {
    setBackend(before);
  }
}

test('gatherRows and scatterAddRows: known values, repeated ids added in order, the skipped id untouched', () => {
  const table = Float64Array.from([0, 1, 10, 11, 20, 21]); // V = 3, E = 2
  const ids = Int32Array.from([2, 0, 2]);
  const out = new Float64Array(6);
  js.gatherRows(3, 2, table, 3, ids, out);
  assert.deepEqual([...out], [20, 21, 0, 1, 20, 21]);
  const grad = new Float64Array(6);
  js.scatterAddRows(3, 2, Float64Array.from([1, 2, 3, 4, 5, 6]), 3, ids, -1, grad);
  assert.deepEqual([...grad], [3, 4, 0, 0, 6, 8]);
  js.scatterAddRows(3, 2, Float64Array.from([1, 2, 3, 4, 5, 6]), 3, ids, 2, grad);
  assert.deepEqual([...grad], [6, 8, 0, 0, 6, 8]);
});

test('row kernels on every backend equal the js reference bit for bit (sizes 1..129, repeats, padding id)', () => {
  const rng = new Random(11);
  onEachBackend((name) => {
    const k = kernels();
    for (const [V, E, n] of [[1, 1, 1], [5, 3, 17], [17, 63, 65], [129, 100, 640], [3, 129, 0]]) {
      const table = rand(V * E, rng);
      const ids = Int32Array.from({ length: n }, () => Math.floor(rng.uniform(0, V)));
      const out = new Float32Array(n * E).fill(NaN), ref = new Float32Array(n * E);
      k.gatherRows(V, E, table, n, ids, out);
      js.gatherRows(V, E, table, n, ids, ref);
      assert.deepEqual(out, ref, `${name} gatherRows V=${V} E=${E} n=${n}`);
      // Values of mixed magnitude, so a different order of the adds would change the sums.
      const src = Float32Array.from(rand(n * E, rng), (v, i) => v * 10 ** ((i % 7) - 3));
      for (const skipId of [-1, 0]) {
        const grad = rand(V * E, rng), gradRef = Float32Array.from(grad);
        k.scatterAddRows(V, E, src, n, ids, skipId, grad);
        js.scatterAddRows(V, E, src, n, ids, skipId, gradRef);
        assert.deepEqual(grad, gradRef, `${name} scatterAddRows V=${V} E=${E} n=${n} skipId=${skipId}`);
      }
    }
  });
});

test('row kernels refuse ids outside the table and short buffers, naming them, on every backend', () => {
  onEachBackend((name) => {
    const k = kernels();
    const table = new Float32Array(6), out = new Float32Array(6);
    assert.throws(() => k.gatherRows(3, 2, table, 3, Int32Array.from([0, 3, 1]), out), /id 3 at position 1 is outside 0\.\.2/, name);
    assert.throws(() => k.scatterAddRows(3, 2, out, 3, Int32Array.from([0, 1, -1]), -1, table), /id -1 at position 2 is outside 0\.\.2/, name);
    assert.throws(() => k.gatherRows(3, 2, table, 4, Int32Array.from([0, 1, 1, 1]), out), /out has 6 (values|elements), needs 8/, name);
    assert.throws(() => k.scatterAddRows(4, 2, out, 3, Int32Array.from([0, 1, 1]), -1, table), /table has 6 (values|elements), needs 8/, name);
    assert.deepEqual(table, new Float32Array(6), `${name}: nothing was added before the error`);
  });
  const addon = nativeAddon();
  if (addon) {
    assert.throws(() => addon.gatherRows(3, 2, new Float32Array(6), 2, Int32Array.from([0]), new Float32Array(4)),
      /ids has 1 elements, needs 2/);
    assert.throws(() => addon.scatterAddRows(3, 2, new Float32Array(4), 2, Int32Array.from([0, 1]), -2, new Float32Array(6)),
      /skipId must be -1 or a row id/);
  }
});

test('Embedding: rows looked up, and the weight gradient sums each id\'s output gradients except at paddingIdx', () => {
  const rng = new Random(5);
  onEachBackend((name) => {
    const V = 7, E = 5, T = 4, B = 3;
    const emb = new Embedding({ numEmbeddings: V, embeddingDim: E, paddingIdx: 2, rng });
    const ids = [2, 0, 6, 6, 1, 2, 0, 0, 5, 3, 6, 1];
    const y = emb.forward(ids, [T, B]);
    assert.deepEqual(y.shape, [T, B, E]);
    for (let i = 0; i < ids.length; i++) {
      assert.deepEqual(y.data.subarray(i * E, i * E + E), emb.weight.data.subarray(ids[i] * E, ids[i] * E + E), `${name} row ${i}`);
    }
    const r = new Tensor(rand(T * B * E, rng), [T, B, E]);
    backward(weightedSum(y, r));
    const expected = new Float64Array(V * E);
    ids.forEach((id, i) => {
      if (id === 2) return;
      for (let e = 0; e < E; e++) expected[id * E + e] += r.data[i * E + e];
    });
    const g = emb.weight.grad!;
    for (let j = 0; j < V * E; j++) assert.ok(Math.abs(g[j] - expected[j]) <= 1e-6, `${name} grad[${j}] = ${g[j]}, expected ${expected[j]}`);
    assert.ok(g.subarray(2 * E, 3 * E).every((v) => v === 0), `${name}: the padding row's gradient stays 0`);
  });
});
