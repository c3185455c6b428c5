import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Activation, Buf } from '../../src/kernels/kernels.js';
import { jsKernels as js } from '../../src/kernels/js/index.js';
import { loadNativeKernels, nativeAddon, nativeLoadFailure } from '../../src/kernels/native/index.js';
import { Random } from '../../src/util/random.js';
import { assertClose } from '../helpers/close.js';

// Every step kernel of the native backend against the js reference run in float64 on the same
// float32 inputs, for each instruction set this CPU has (AVX-512, AVX2, portable): GEMM on odd
// shapes with all transposes and alpha/beta, activations, softmax, reductions, fused cells.

const native = loadNativeKernels();
const addon = nativeAddon();
const skip = native ? false : `native addon not built (${nativeLoadFailure()}); run \`npm run build:native\``;
const isas = addon ? addon.supportedIsas() : [];

function rand(n: number, rng: Random, scale = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.uniform(-scale, scale);
  return a;
}
const f64 = (a: Float32Array) => Float64Array.from(a);

/** Runs fn once per instruction set, restoring the best one afterwards. */
function forEachIsa(fn: (isa: string) => void): void {
  const best = addon!.isa();
  try {
    for (const isa of isas) {
      assert.ok(addon!.setIsa(isa), isa);
      fn(isa);
    }
  } finally {
    addon!.setIsa(best);
  }
}

const sizes = [1, 3, 17, 63, 65, 129];

/** Every transpose of each [M, N, K] against the float64 reference, with an alpha/beta mix per shape. */
function gemmAgainstReference(isa: string, shapes: number[][], rng: Random): void {
  for (const [M, N, K] of shapes) {
    for (const tA of [false, true]) {
      for (const tB of [false, true]) {
        const A = rand(M * K, rng), B = rand(K * N, rng), C = rand(M * N, rng);
        const [alpha, beta] = [[1, 0], [0.5, 1], [-1.5, 0.25]][(M + N + K) % 3];
        const C64 = f64(C);
        native!.gemm(tA, tB, M, N, K, alpha, A, B, beta, C);
        js.gemm(tA, tB, M, N, K, alpha, f64(A), f64(B), beta, C64);
        assertClose(C, C64, { atol: 1e-5 * Math.sqrt(K), rtol: 1e-5 }, `${isa} gemm ${tA ? 'T' : 'N'}${tB ? 'T' : 'N'} ${M}x${N}x${K}`);
      }
    }
  }
}

test('native gemm: all transposes, odd shapes, alpha and beta, against float64', { skip }, () => {
  const rng = new Random(1);
  forEachIsa((isa) => {
    gemmAgainstReference(isa, [[1, 1, 1], [3, 17, 5], [17, 3, 63], [63, 65, 129], [129, 63, 17], [65, 129, 3], [2, 300, 260]], rng);
    for (const n of sizes) {
      const A = rand(n * 64, rng), B = rand(64 * n, rng), C = new Float32Array(n * n), C64 = new Float64Array(n * n);
      native!.gemm(false, true, n, n, 64, 1, A, B, 0, C);
      js.gemm(false, true, n, n, 64, 1, f64(A), f64(B), 0, C64);
      assertClose(C, C64, { atol: 1e-5, rtol: 1e-5 }, `${isa} gemm NT ${n}x${n}x64`);
    }
  });
});

test('native gemm: every row remainder, narrow last panels, several K blocks, both transposed-A paths', { skip }, () => {
  // Rows 1..MR+ of a tile (MR is 4, 6 or 8); N with a last panel of at most one vector (4, 16,
  // 20, 48, 100 against panels of 8, 16 or 32 columns) or wider; K past one K block (512); and
  // transposed A with M a multiple of 256 (packed) or not (read in place).
  const rng = new Random(5);
  const shapes: number[][] = [];
  for (const M of [1, 5, 7, 9, 16, 23]) for (const N of [4, 16, 20, 48, 100]) for (const K of [5, 600]) shapes.push([M, N, K]);
  shapes.push([256, 33, 17], [512, 40, 1100], [256, 48, 1], [384, 20, 600]);
  forEachIsa((isa) => {
    gemmAgainstReference(isa, shapes, rng);
  });
});

test('native gemm: 1 and 2 threads give the same product on every operand path', { skip }, () => {
  const rng = new Random(6);
  const before = native!.threads!();
  try {
    // Row-major A read in place; transposed A read in place (M = 300); transposed A packed (M = 512).
    for (const [tA, tB, M, N, K] of [[false, true, 300, 100, 129], [false, false, 257, 48, 600], [true, false, 300, 65, 260],
      [true, false, 512, 100, 700]] as const) {
      const A = rand(M * K, rng), B = rand(K * N, rng);
      const one = new Float32Array(M * N), two = new Float32Array(M * N);
      native!.setThreads!(1);
      native!.gemm(tA, tB, M, N, K, 1, A, B, 0, one);
      native!.setThreads!(2);
      native!.gemm(tA, tB, M, N, K, 1, A, B, 0, two);
      assert.deepEqual(two, one, `${tA ? 'T' : 'N'}${tB ? 'T' : 'N'} ${M}x${N}x${K}`);
    }
  } finally {
    native!.setThreads!(before);
  }
});

test('native gemm: beta = 0 ignores NaN in C; K = 0 scales C; big products split over threads', { skip }, () => {
  forEachIsa((isa) => {
    const C = new Float32Array(6).fill(NaN);
    native!.gemm(false, false, 2, 3, 2, 1, Float32Array.from([1, 2, 3, 4]), Float32Array.from([1, 0, 2, 0, 1, 3]), 0, C);
    assert.deepEqual([...C], [1, 2, 8, 3, 4, 18], isa);
    const D = Float32Array.from([1, 2, 3, 4]);
    native!.gemm(false, false, 2, 2, 0, 1, new Float32Array(0), new Float32Array(0), 0.5, D);
    assert.deepEqual([...D], [0.5, 1, 1.5, 2], isa);
  });
  const rng = new Random(2);
  const M = 300, N = 257, K = 129;
  const A = rand(M * K, rng), B = rand(K * N, rng);
  const one = new Float32Array(M * N), two = new Float32Array(M * N);
  const before = native!.threads!();
  try {
    native!.setThreads!(1);
    native!.gemm(true, false, M, N, K, 1, A, B, 0, one);
    native!.setThreads!(2);
    native!.gemm(true, false, M, N, K, 1, A, B, 0, two);
  } finally {
    native!.setThreads!(before);
  }
  assert.deepEqual(two, one, '1 and 2 threads give the same product');
});

test('native activations, softmax, log-softmax, row vector and row sums', { skip }, () => {
  const rng = new Random(3);
  const acts: Activation[] = ['tanh', 'sigmoid', 'relu', 'leaky_relu', 'identity'];
  forEachIsa((isa) => {
    for (const n of [...sizes, 1000]) {
      // Inputs across the ranges where tanh/sigmoid switch formulas and saturate.
      const x = rand(n, rng, 12);
      if (n > 3) { x[0] = 1e-4; x[1] = -0.6249; x[2] = 90; x[3] = -100; }
      for (const act of acts) {
        const y = new Float32Array(n), y64 = new Float64Array(n);
        native!.activationForward(act, 0.1, n, x, y);
        js.activationForward(act, 0.1, n, f64(x), y64);
        assertClose(y, y64, { atol: 1e-7, rtol: 2e-6 }, `${isa} ${act} forward n=${n}`);
        const dy = rand(n, rng), dx = rand(n, rng), dx64 = f64(dx);
        for (const accumulate of [false, true]) {
          native!.activationBackward(act, 0.1, n, y, dy, dx, accumulate);
          js.activationBackward(act, 0.1, n, f64(y), f64(dy), dx64, accumulate);
          assertClose(dx, dx64, { atol: 1e-6, rtol: 1e-6 }, `${isa} ${act} backward n=${n} accumulate=${accumulate}`);
        }
      }
      const y = new Float32Array(n);
      native!.activationForward('tanh', 0, n, Float32Array.from({ length: n }, () => NaN), y);
      assert.ok(y.every(Number.isNaN), `${isa}: NaN propagates through tanh`);
    }
    for (const [rows, cols] of [[1, 1], [3, 17], [17, 65], [2, 129]]) {
      const x = rand(rows * cols, rng, 30);
      for (const kind of ['softmaxRows', 'logSoftmaxRows'] as const) {
        const y = new Float32Array(rows * cols), y64 = new Float64Array(rows * cols);
        native![kind](rows, cols, x, y);
        js[kind](rows, cols, f64(x), y64);
        assertClose(y, y64, { atol: 1e-6, rtol: 1e-5 }, `${isa} ${kind} ${rows}x${cols}`);
      }
      const huge = rand(rows * cols, rng, 1e4), lp = new Float32Array(rows * cols), lp64 = new Float64Array(rows * cols);
      native!.logSoftmaxRows(rows, cols, huge, lp);
      js.logSoftmaxRows(rows, cols, f64(huge), lp64);
      assertClose(lp, lp64, { atol: 1e-6, rtol: 1e-6 }, `${isa} logSoftmaxRows of logits up to 1e4`);
      const bias = rand(cols, rng), yr = rand(rows * cols, rng), yr64 = f64(yr);
      native!.addRowVector(rows, cols, bias, yr);
      js.addRowVector(rows, cols, f64(bias), yr64);
      assertClose(yr, yr64, { atol: 1e-6, rtol: 1e-6 }, `${isa} addRowVector`);
      const out = rand(cols, rng), out64 = f64(out);
      native!.sumRowsInto(rows, cols, x, out);
      js.sumRowsInto(rows, cols, f64(x), out64);
      assertClose(out, out64, { atol: 1e-4, rtol: 1e-5 }, `${isa} sumRowsInto`);
    }
  });
});

test('native fused cells: RNN (every activation), LSTM, GRU forward and backward', { skip }, () => {
  const rng = new Random(4);
  const tol = { atol: 1e-6, rtol: 2e-6 };
  forEachIsa((isa) => {
    // H = 256: the LSTM's unrolled blocks of units with no remainder; 65 and 129: with one.
    for (const [B, H] of [[1, 1], [3, 17], [2, 63], [1, 65], [4, 129], [2, 256]]) {
      const label = `${isa} B=${B} H=${H}`;
      for (const act of ['tanh', 'sigmoid', 'relu', 'leaky_relu', 'identity'] as const) {
        const xg = rand(B * H, rng, 3), hg = rand(B * H, rng, 3), h = new Float32Array(B * H), h64 = new Float64Array(B * H);
        native!.rnnCellForward(B, H, act, 0.1, xg, hg, h);
        js.rnnCellForward(B, H, act, 0.1, f64(xg), f64(hg), h64);
        assertClose(h, h64, tol, `${label} rnn ${act} forward`);
        const dh = rand(B * H, rng), d = new Float32Array(B * H), d64 = new Float64Array(B * H);
        native!.rnnCellBackward(B, H, act, 0.1, h, dh, d);
        js.rnnCellBackward(B, H, act, 0.1, f64(h), f64(dh), d64);
        assertClose(d, d64, tol, `${label} rnn ${act} backward`);
      }
      {
        const xg = rand(4 * B * H, rng, 4), hg = rand(4 * B * H, rng, 4), cPrev = rand(B * H, rng, 2);
        const gates = new Float32Array(4 * B * H), c = new Float32Array(B * H), h = new Float32Array(B * H);
        const g64 = new Float64Array(4 * B * H), c64 = new Float64Array(B * H), h64 = new Float64Array(B * H);
        native!.lstmCellForward(B, H, xg, hg, cPrev, gates, c, h);
        js.lstmCellForward(B, H, f64(xg), f64(hg), f64(cPrev), g64, c64, h64);
        for (const [a, e, n] of [[gates, g64, 'gates'], [c, c64, 'c'], [h, h64, 'h']] as [Buf, Buf, string][]) {
          assertClose(a, e, tol, `${label} lstm forward ${n}`);
        }
        const dh = rand(B * H, rng), dc = rand(B * H, rng), dc64 = f64(dc);
        const dPre = new Float32Array(4 * B * H), dPre64 = new Float64Array(4 * B * H);
        native!.lstmCellBackward(B, H, gates, cPrev, c, dh, dc, dPre);
        js.lstmCellBackward(B, H, f64(gates), f64(cPrev), f64(c), f64(dh), dc64, dPre64);
        assertClose(dPre, dPre64, tol, `${label} lstm backward dPre`);
        assertClose(dc, dc64, tol, `${label} lstm backward dc`);
      }
      {
        const xg = rand(3 * B * H, rng, 4), hg = rand(3 * B * H, rng, 4), hPrev = rand(B * H, rng);
        const gates = new Float32Array(3 * B * H), h = new Float32Array(B * H);
        const g64 = new Float64Array(3 * B * H), h64 = new Float64Array(B * H);
        native!.gruCellForward(B, H, xg, hg, hPrev, gates, h);
        js.gruCellForward(B, H, f64(xg), f64(hg), f64(hPrev), g64, h64);
        assertClose(gates, g64, tol, `${label} gru forward gates`);
        assertClose(h, h64, tol, `${label} gru forward h`);
        const dh = rand(B * H, rng);
        const outs = [new Float32Array(3 * B * H), new Float32Array(3 * B * H), new Float32Array(B * H)];
        const outs64 = [new Float64Array(3 * B * H), new Float64Array(3 * B * H), new Float64Array(B * H)];
        native!.gruCellBackward(B, H, gates, hg, hPrev, dh, outs[0], outs[1], outs[2]);
        js.gruCellBackward(B, H, f64(gates), f64(hg), f64(hPrev), f64(dh), outs64[0], outs64[1], outs64[2]);
        ['dXg', 'dHg', 'dhPrev'].forEach((n, i) => assertClose(outs[i], outs64[i], tol, `${label} gru backward ${n}`));
      }
    }
  });
});

test('native backend: float64 buffers run on the js reference; wrong sizes throw instead of corrupting memory', { skip }, () => {
  const A = Float64Array.from([1, 2, 3, 4]), B = Float64Array.from([0.1, 0.2, 0.3, 0.4]);
  const C = new Float64Array(4), C2 = new Float64Array(4);
  native!.gemm(false, false, 2, 2, 2, 1, A, B, 0, C);
  js.gemm(false, false, 2, 2, 2, 1, A, B, 0, C2);
  assert.deepEqual(C, C2);
  assert.throws(() => native!.gemm(false, false, 2, 2, 2, 1, new Float32Array(3), new Float32Array(4), 0, new Float32Array(4)),
    /rnnkit native gemm: A has 3 elements, needs 4/);
  assert.throws(() => native!.lstmCellForward(2, 3, new Float32Array(24), new Float32Array(24), new Float32Array(6),
    new Float32Array(23), new Float32Array(6), new Float32Array(6)), /lstmCellForward: gates has 23 elements, needs 24/);
  assert.throws(() => native!.setThreads!(0), /positive integer/);
});
