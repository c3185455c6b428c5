import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Activation, Buf } from '../../src/kernels/kernels.js';
import { jsKernels as js } from '../../src/kernels/js/index.js';
import { wasmKernels as wasm } from '../../src/kernels/wasm/index.js';
import { Random } from '../../src/util/random.js';
import { assertClose } from '../helpers/close.js';

// Elementwise, softmax and fused-cell kernels of the wasm backend against the js reference in
// float64 on the same float32 inputs (the wasm exp/tanh/sigmoid are float32 polynomials), over
// lengths that are and are not multiples of the 4 SIMD lanes.

const ACTS: Activation[] = ['tanh', 'sigmoid', 'relu', 'leaky_relu', 'identity'];
const tol = { atol: 2e-6, rtol: 1e-5 };

function rand(n: number, rng: Random, scale = 3): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.uniform(-scale, scale);
  return a;
}
const f64 = (a: Float32Array) => Float64Array.from(a);

test('wasm activations forward and backward (plain and accumulated), all activations', () => {
  const rng = new Random(1);
  for (const n of [1, 3, 4, 17, 63]) {
    for (const act of ACTS) {
      const x = rand(n, rng, 6);
      x[0] = act === 'tanh' ? 1e-3 : x[0];
      const y = new Float32Array(n), y64 = new Float64Array(n);
      wasm.activationForward(act, 0.1, n, x, y);
      js.activationForward(act, 0.1, n, f64(x), y64);
      assertClose(y, y64, tol, `${act} forward n=${n}`);
      const dy = rand(n, rng), dx = rand(n, rng), dx64 = f64(dx);
      for (const accumulate of [false, true]) {
        wasm.activationBackward(act, 0.1, n, y, dy, dx, accumulate);
        js.activationBackward(act, 0.1, n, f64(y), f64(dy), dx64, accumulate);
        assertClose(dx, dx64, tol, `${act} backward n=${n} accumulate=${accumulate}`);
      }
    }
  }
});

test('wasm tanh and sigmoid: tiny, huge and infinite inputs; in-place forward', () => {
  const x = Float32Array.from([1e-8, -1e-5, 0.3, -0.7, 20, -20, 100, -100, Infinity, -Infinity, 0, -0.625]);
  for (const act of ['tanh', 'sigmoid'] as const) {
    const y = x.slice(), y64 = new Float64Array(x.length);
    wasm.activationForward(act, 0, x.length, y, y);
    js.activationForward(act, 0, x.length, f64(x), y64);
    assertClose(y, y64, { atol: 1e-30, rtol: 2e-6 }, `${act} at special values`);
  }
});

test('wasm tanh and sigmoid: inputs at the exp clamp, at rounding ties of x·log2(e), and NaN', () => {
  // exp rounds x·log2(e) to an integer by adding 1.5·2^23 and clamps with pmin/pmax: these
  // inputs sit on the rounding ties, at and past the clamp bounds, and on the polynomial's range ends.
  const xs = [88.3762626647949, -87.3365447505531, 88.38, -87.34, 44.2, -43.7, 1e-30, -0];
  for (let k = -120; k <= 120; k += 7) xs.push((k + 0.5) * Math.LN2, (k + 0.4999) * Math.LN2, (k - 0.4999) * Math.LN2);
  const x = Float32Array.from([...xs, ...xs.map((v) => -v / 2)]);
  for (const act of ['tanh', 'sigmoid'] as const) {
    const y = new Float32Array(x.length), y64 = new Float64Array(x.length);
    wasm.activationForward(act, 0, x.length, x, y);
    js.activationForward(act, 0, x.length, f64(x), y64);
    assertClose(y, y64, { atol: 1e-30, rtol: 2e-6 }, `${act} at the exp clamp and rounding ties`);
    const nan = Float32Array.from([NaN, 1, NaN, -1, NaN]), out = new Float32Array(5);
    wasm.activationForward(act, 0, 5, nan, out);
    assert.deepEqual([0, 2, 4].map((i) => Number.isNaN(out[i])), [true, true, true], `${act}(NaN) is NaN`);
  }
  const logits = Float32Array.from([0, 87.5, -100, 3]), p = new Float32Array(4), p64 = new Float64Array(4);
  wasm.softmaxRows(1, 4, logits, p);
  js.softmaxRows(1, 4, f64(logits), p64);
  assertClose(p, p64, { atol: 1e-30, rtol: 2e-6 }, 'softmax across the exp range');
});

test('wasm softmax and log-softmax rows, huge logits stay finite', () => {
  const rng = new Random(2);
  for (const [rows, cols] of [[1, 1], [3, 5], [7, 65], [2, 128]]) {
    const x = rand(rows * cols, rng, 10);
    x[0] += 1000;
    for (const kind of ['softmaxRows', 'logSoftmaxRows'] as const) {
      const y = new Float32Array(rows * cols), y64 = new Float64Array(rows * cols);
      wasm[kind](rows, cols, x, y);
      js[kind](rows, cols, f64(x), y64);
      assertClose(y, y64, { atol: 1e-6, rtol: 1e-5 }, `${kind} ${rows}x${cols}`);
    }
  }
});

test('wasm addRowVector and sumRowsInto (adds into what the output held)', () => {
  const rng = new Random(3);
  for (const [rows, cols] of [[1, 1], [5, 3], [17, 65], [64, 1024]]) {
    const bias = rand(cols, rng), y = rand(rows * cols, rng), y64 = f64(y);
    wasm.addRowVector(rows, cols, bias, y);
    js.addRowVector(rows, cols, f64(bias), y64);
    assertClose(y, y64, tol, `addRowVector ${rows}x${cols}`);
    const out = rand(cols, rng), out64 = f64(out);
    wasm.sumRowsInto(rows, cols, y, out);
    js.sumRowsInto(rows, cols, f64(y), out64);
    assertClose(out, out64, { atol: 1e-6 * Math.sqrt(rows), rtol: 1e-5 }, `sumRowsInto ${rows}x${cols}`);
  }
});

type CellRun = (k: typeof js, bufs: Buf[]) => void;

// Runs one cell kernel on both backends from the same random buffers and compares every buffer
// afterwards (outputs, and in/out buffers like LSTM's dc).
function compareCell(label: string, sizes: number[], run: CellRun, rng: Random, positive: number[] = []): void {
  const inputs = sizes.map((n, i) => {
    const a = rand(n, rng, 2);
    if (positive.includes(i)) for (let j = 0; j < n; j++) a[j] = 0.05 + 0.9 * Math.abs(a[j]) / 2;
    return a;
  });
  const w = inputs.map((a) => a.slice()), j = inputs.map(f64);
  run(wasm as typeof js, w);
  run(js, j);
  w.forEach((a, i) => assertClose(a, j[i], { atol: 1e-5, rtol: 1e-5 }, `${label}: buffer ${i}`));
}

test('wasm fused cells forward and backward: RNN (all activations), LSTM, GRU', () => {
  const rng = new Random(4);
  for (const [B, H] of [[1, 1], [2, 3], [3, 17], [4, 64]]) {
    const n = B * H;
    for (const act of ACTS) {
      compareCell(`rnn ${act} fwd B=${B} H=${H}`, [n, n, n], (k, [xg, hg, h]) => k.rnnCellForward(B, H, act, 0.2, xg, hg, h), rng);
      compareCell(`rnn ${act} bwd B=${B} H=${H}`, [n, n, n], (k, [h, dh, d]) => k.rnnCellBackward(B, H, act, 0.2, h, dh, d), rng);
    }
    compareCell(`lstm fwd B=${B} H=${H}`, [4 * n, 4 * n, n, 4 * n, n, n],
      (k, [xg, hg, cp, g, c, h]) => k.lstmCellForward(B, H, xg, hg, cp, g, c, h), rng);
    compareCell(`lstm bwd B=${B} H=${H}`, [4 * n, n, n, n, n, 4 * n],
      (k, [g, cp, c, dh, dc, d]) => k.lstmCellBackward(B, H, g, cp, c, dh, dc, d), rng, [0]);
    compareCell(`gru fwd B=${B} H=${H}`, [3 * n, 3 * n, n, 3 * n, n],
      (k, [xg, hg, hp, g, h]) => k.gruCellForward(B, H, xg, hg, hp, g, h), rng);
    compareCell(`gru bwd B=${B} H=${H}`, [3 * n, 3 * n, n, n, 3 * n, 3 * n, n],
      (k, [g, hg, hp, dh, dx, dhg, dp]) => k.gruCellBackward(B, H, g, hg, hp, dh, dx, dhg, dp), rng, [0]);
  }
});

test('wasm step kernels with float64 buffers run on the js reference, bit for bit', () => {
  const rng = new Random(5);
  const x = f64(rand(10, rng)), a = new Float64Array(10), b = new Float64Array(10);
  wasm.activationForward('tanh', 0, 10, x, a);
  js.activationForward('tanh', 0, 10, x, b);
  assert.deepEqual(a, b);
  wasm.logSoftmaxRows(2, 5, x, a);
  js.logSoftmaxRows(2, 5, x, b);
  assert.deepEqual(a, b);
});
