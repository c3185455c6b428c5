import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AdamHyper, Buf, Kernels, RmspropHyper, SgdHyper } from '../../src/kernels/kernels.js';
import { jsKernels as js } from '../../src/kernels/js/index.js';
import { loadNativeKernels, nativeAddon, nativeLoadFailure } from '../../src/kernels/native/index.js';
import { wasmKernels } from '../../src/kernels/wasm/index.js';
import { Random } from '../../src/util/random.js';
import { assertClose } from '../helpers/close.js';

// The optimiser updates and the softmax cross-entropy of each fast backend (wasm; native for every
// instruction set this CPU has) against the js reference on random data: odd sizes, every option,
// several steps so that the state buffers are read back. Float32 kernels round per operation where
// the reference computes in double, hence the tolerances (PyTorch itself computes in float32).

const native = loadNativeKernels();
const addon = nativeAddon();
const nativeSkip = native ? false : `native addon not built (${nativeLoadFailure()}); run \`npm run build:native\``;

const sizes = [1, 3, 17, 65, 1000];
const TOL = { atol: 1e-6, rtol: 1e-5 };
const RMSPROP_TOL = { atol: 1e-5, rtol: 1e-5 };

function rand(n: number, rng: Random, lo = -1, hi = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.uniform(lo, hi);
  return a;
}

/** Runs fn on wasm, then on native once per instruction set (restoring the best one). */
function forEachBackend(fn: (k: Kernels, label: string) => void, which: 'wasm' | 'native'): void {
  if (which === 'wasm') { fn(wasmKernels, 'wasm'); return; }
  const best = addon!.isa();
  try {
    for (const isa of addon!.supportedIsas()) {
      assert.ok(addon!.setIsa(isa), isa);
      fn(native!, `native ${isa}`);
    }
  } finally {
    addon!.setIsa(best);
  }
}

/**
 * Applies 4 updates with fresh gradients to copies of the same parameter and state (starting at
 * `initial`, as an optimiser's do) on k and on js; compares everything.
 */
function compareUpdates(k: Kernels, label: string, n: number, rng: Random, stateCount: number, initial: number,
  update: (kern: Kernels, param: Buf, grad: Buf, state: Buf[], step: number) => void, tol = TOL): void {
  const param = rand(n, rng), state = Array.from({ length: stateCount }, () => new Float32Array(n).fill(initial));
  const mine = { param: param.slice(), state: state.map((s) => s.slice()) };
  const ref = { param: param.slice(), state: state.map((s) => s.slice()) };
  for (let step = 1; step <= 4; step++) {
    const grad = rand(n, rng);
    update(k, mine.param, grad.slice(), mine.state, step);
    update(js, ref.param, grad.slice(), ref.state, step);
  }
  assertClose(mine.param, ref.param, tol, `${label}: param`);
  mine.state.forEach((s, i) => assertClose(s, ref.state[i], tol, `${label}: state ${i}`));
}

function optimiserCases(which: 'wasm' | 'native', ns = sizes): void {
  const rng = new Random(11);
  forEachBackend((k, name) => {
    for (const n of ns) {
      for (const [momentum, dampening, nesterov] of [[0, 0, false], [0.9, 0, false], [0.9, 0.3, false], [0.8, 0, true]] as const) {
        for (const weightDecay of [0, 0.01]) {
          const h: SgdHyper = { lr: 0.05, momentum, dampening, weightDecay, nesterov };
          compareUpdates(k, `${name} sgd n=${n} ${JSON.stringify(h)}`, n, rng, 1, 0,
            (kern, p, g, [buf], step) => kern.sgdUpdate(p, g, momentum ? buf : null, step === 1, h));
        }
      }
      for (const [lrDecay, weightDecay, initialAccumulatorValue] of [[0, 0, 0], [0.1, 0.02, 0.5]]) {
        const h = { lr: 0.1, lrDecay, weightDecay, initialAccumulatorValue, eps: 1e-10 };
        compareUpdates(k, `${name} adagrad n=${n} ${JSON.stringify(h)}`, n, rng, 1, initialAccumulatorValue,
          (kern, p, g, [sum], step) => kern.adagradUpdate(p, g, sum, h.lr / (1 + (step - 1) * lrDecay), h));
      }
      for (const centered of [false, true]) {
        for (const momentum of [0, 0.9]) {
          for (const weightDecay of [0, 0.05]) {
            const h: RmspropHyper = { lr: 0.01, alpha: 0.99, eps: 1e-8, weightDecay, momentum, centered };
            compareUpdates(k, `${name} rmsprop n=${n} ${JSON.stringify(h)}`, n, rng, 3, 0,
              (kern, p, g, [sq, ga, buf]) => kern.rmspropUpdate(p, g, sq, centered ? ga : null, momentum ? buf : null, h),
              // The momentum buffer sums terms d / avg of up to ~10 that cancel: float32 leaves ~1e-6 absolute.
              RMSPROP_TOL);
          }
        }
      }
      for (const decoupled of [false, true]) {
        for (const amsgrad of [false, true]) {
          for (const weightDecay of [0, 0.01]) {
            const h: AdamHyper = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay, amsgrad };
            compareUpdates(k, `${name} adam n=${n} decoupled=${decoupled} ${JSON.stringify(h)}`, n, rng, 3, 0,
              (kern, p, g, [m, v, vMax], step) => {
                const stepSize = h.lr / (1 - h.beta1 ** step), bias2Sqrt = Math.sqrt(1 - h.beta2 ** step);
                kern.adamUpdate(p, g, m, v, amsgrad ? vMax : null, h, decoupled, stepSize, bias2Sqrt);
              });
          }
        }
      }
    }
  }, which);
}

test('wasm optimiser updates match the js reference: SGD, Adagrad, RMSprop, Adam/AdamW, every option', () => optimiserCases('wasm'));
test('native optimiser updates match the js reference on every instruction set', { skip: nativeSkip }, () => optimiserCases('native'));
// wasm updates a parameter in chunks of 16384 values (src/kernels/wasm/training.ts): several, the last one short.
test('wasm optimiser updates of parameters larger than one chunk match the js reference', () => optimiserCases('wasm', [2 * 16384 + 5]));

interface LossCase { N: number; C: number; weighted: boolean; masked: boolean; smoothing: number; withGrad: boolean }

function lossCases(which: 'wasm' | 'native'): void {
  const rng = new Random(5);
  const cases: LossCase[] = [];
  for (const N of [1, 3, 17, 65]) {
    for (const C of sizes) {
      for (const [weighted, masked, smoothing] of [[false, false, 0], [true, false, 0], [false, true, 0.1], [true, true, 0.2]] as const) {
        cases.push({ N, C, weighted, masked, smoothing, withGrad: (N + C) % 2 === 0 || weighted });
      }
    }
  }
  forEachBackend((k, name) => {
    for (const c of cases) {
      const { N, C } = c;
      const label = `${name} crossEntropy ${JSON.stringify(c)}`;
      const logits = rand(N * C, rng, -4, 4);
      const ignoreIndex = -100;
      const targets = Int32Array.from({ length: N }, (_, i) => (i % 5 === 4 ? ignoreIndex : rng.int(C)));
      const mask = c.masked ? Float32Array.from({ length: N }, (_, i) => [1, 0, 0.5, 1][i % 4]) : null;
      const weight = c.weighted ? rand(C, rng, 0.2, 2) : null;
      // A masked-out row may hold any target: it must be skipped before it is read.
      if (mask && N > 1) targets[1] = 12345;
      const loss = new Float32Array(N).fill(NaN), grad = c.withGrad ? new Float32Array(N * C).fill(NaN) : null;
      const refLoss = new Float64Array(N), refGrad = new Float64Array(N * C);
      k.crossEntropyForward(N, C, logits, targets, ignoreIndex, mask, weight, c.smoothing, loss, grad);
      js.crossEntropyForward(N, C, Float64Array.from(logits), targets, ignoreIndex, mask && Float64Array.from(mask),
        weight && Float64Array.from(weight), c.smoothing, refLoss, refGrad);
      assertClose(loss, refLoss, { atol: 1e-5, rtol: 1e-5 }, `${label}: loss`);
      if (grad) assertClose(grad, refGrad, { atol: 1e-6, rtol: 1e-5 }, `${label}: grad`);

      const rowScale = (N + C) % 3 === 0 ? rand(N, rng) : null;
      const scale = rng.uniform(-2, 2);
      const dx = rand(N * C, rng), refDx = Float64Array.from(dx);
      const g = rand(N * C, rng);
      k.crossEntropyBackward(N, C, g, rowScale, scale, dx);
      js.crossEntropyBackward(N, C, Float64Array.from(g), rowScale && Float64Array.from(rowScale), scale, refDx);
      assertClose(dx, refDx, TOL, `${label}: backward rowScale=${rowScale !== null}`);
    }
  }, which);
}

test('wasm softmax cross-entropy matches the js reference: odd sizes, weights, masks, ignored rows, smoothing', () => lossCases('wasm'));
test('native softmax cross-entropy matches the js reference on every instruction set', { skip: nativeSkip }, () => lossCases('native'));

function fallbackAndErrors(k: Kernels, name: string): void {
  // Float64 buffers (gradient checks) get the js reference's result exactly.
  const rng = new Random(2);
  const p = Float64Array.from(rand(17, rng)), g = Float64Array.from(rand(17, rng));
  const m = new Float64Array(17), v = new Float64Array(17);
  const h: AdamHyper = { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1, amsgrad: false };
  const ref = [p.slice(), m.slice(), v.slice()];
  k.adamUpdate(p, g, m, v, null, h, true, 0.1, 0.03);
  js.adamUpdate(ref[0], g, ref[1], ref[2], null, h, true, 0.1, 0.03);
  assert.deepEqual([p, m, v], ref, `${name}: float64 Adam falls back to the js reference`);
  const logits = Float64Array.from(rand(6, rng)), loss = new Float64Array(2), grad = new Float64Array(6);
  const refLoss = new Float64Array(2), refGrad = new Float64Array(6);
  k.crossEntropyForward(2, 3, logits, Int32Array.of(2, 0), -100, null, null, 0.1, loss, grad);
  js.crossEntropyForward(2, 3, logits, Int32Array.of(2, 0), -100, null, null, 0.1, refLoss, refGrad);
  assert.deepEqual([loss, grad], [refLoss, refGrad], `${name}: float64 crossEntropy falls back to the js reference`);

  // A kept row's target outside the classes is an error, never a read of another row.
  assert.throws(() => k.crossEntropyForward(2, 3, new Float32Array(6), Int32Array.of(0, 3), -100, null, null, 0,
    new Float32Array(2), null), /targets\[1\] = 3 is outside 0..2/);
  assert.throws(() => k.adamUpdate(new Float32Array(4), new Float32Array(3), new Float32Array(4), new Float32Array(4), null,
    h, false, 1, 1), /grad has 3/);
}

test('wasm training kernels: float64 runs the js reference; bad targets and short buffers throw', () => fallbackAndErrors(wasmKernels, 'wasm'));
test('native training kernels: float64 runs the js reference; bad targets and short buffers throw', { skip: nativeSkip },
  () => fallbackAndErrors(native!, 'native'));
