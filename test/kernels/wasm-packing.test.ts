import { test } from 'node:test';
import { jsKernels as js } from '../../src/kernels/js/index.js';
import { wasmKernels as wasm } from '../../src/kernels/wasm/index.js';
import { setMinParallelWork } from '../../src/kernels/wasm/runtime.js';
import { Random } from '../../src/util/random.js';
import { assertSame, onThreads } from '../helpers/threads.js';

// Data movement in the wasm GEMM and the column sums, checked exactly. The GEMM operands are
// small integers, so every product and partial sum is exact in float32 and any misplaced,
// missed or stale element of a packed panel changes the result: this covers the packing of
// op(A) stored transposed and of op(B) stored row-major (four steps at a time across all
// slivers, with the step counts and sliver edges around 4, the 8-column slivers, and the 128-row
// and 256-step blocks), on 1 and 2 threads. sumRowsInto adds the rows into out one by one, in
// the reference's order: float32 results must match the reference exactly.

setMinParallelWork(0);

function ints(n: number, rng: Random): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.floor(rng.uniform(-4, 5));
  return a;
}

test('wasm gemm packing: integer operands give the exact product, every transpose, 1 and 2 threads', () => {
  const rng = new Random(21);
  const shapes: [number, number, number][] = [
    [1, 1, 1], [3, 5, 2], [4, 8, 4], [5, 9, 5], [7, 17, 3], [17, 33, 6], [63, 7, 255], [65, 65, 257],
    [129, 12, 300], [130, 41, 513], [2, 200, 9],
  ];
  for (const [M, N, K] of shapes) {
    for (const [tA, tB] of [[true, false], [false, false], [true, true], [false, true]] as const) {
      const A = ints(M * K, rng), B = ints(K * N, rng), C0 = ints(M * N, rng);
      const expected = Float64Array.from(C0);
      js.gemm(tA, tB, M, N, K, 1, Float64Array.from(A), Float64Array.from(B), 1, expected);
      const label = `gemm ${tA ? 'T' : 'N'}${tB ? 'T' : 'N'} M=${M} N=${N} K=${K}`;
      for (const threads of [1, 2]) {
        const C = C0.slice();
        onThreads(wasm, threads, () => wasm.gemm(tA, tB, M, N, K, 1, A, B, 1, C));
        assertSame(C, Float32Array.from(expected), `${label} on ${threads} thread(s) vs exact`);
      }
    }
  }
});

test('wasm sumRowsInto adds row by row into out, as the reference: equal to it in float32 exactly', () => {
  const rng = new Random(22);
  for (const rows of [1, 3, 4, 5, 300]) {
    for (const cols of [1, 3, 4, 5, 31, 33, 129, 384]) {
      const x = new Float32Array(rows * cols);
      for (let i = 0; i < x.length; i++) x[i] = rng.uniform(-1, 1);
      const out = new Float32Array(cols);
      for (let c = 0; c < cols; c++) out[c] = rng.uniform(-1, 1);
      const expected = out.slice();
      js.sumRowsInto(rows, cols, x, expected);
      wasm.sumRowsInto(rows, cols, x, out);
      assertSame(out, expected, `sumRowsInto ${rows}x${cols}`);
    }
  }
});
