import assert from 'node:assert/strict';
import { test } from 'node:test';
import { availableBackends, kernels, setBackend } from '../../src/kernels/backend.js';
import { backward, noGrad } from '../../src/tensor/autograd.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { Adagrad, Adam, AdamW, type Optimizer, RMSprop, SGD, crossEntropy, type CrossEntropyOptions } from '../../src/train/index.js';
import { Random } from '../../src/util/random.js';
import { assertClose } from '../helpers/close.js';

// crossEntropy and the optimiser classes on each backend present (their kernels: the js reference,
// wasm, native) against the js backend: the wiring around the kernels (targets of any type,
// ignored and masked rows, the 'mean' denominator, upstream gradients per reduction, optimiser
// state kept across steps) must agree to float32 rounding.

function onBackend<T>(name: string, fn: () => T): T {
  const previous = kernels().name;
  setBackend(name);
  try { return fn(); } finally { setBackend(previous); }
}

const ceOptions: CrossEntropyOptions[] = [
  {},
  { reduction: 'sum', labelSmoothing: 0.1 },
  { reduction: 'none', weight: [0.5, 2, 1, 1, 0.25, 3, 1], ignoreIndex: 3 },
  { reduction: 'mean', mask: [1, 0, 1, 0.5, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1], weight: [1, 1, 2, 1, 1, 1, 0.5], labelSmoothing: 0.2 },
];

function crossEntropyRun(o: CrossEntropyOptions, targets: ArrayLike<number>): { loss: number[]; grad: number[] } {
  const rng = new Random(9);
  const logits = Tensor.zeros([5, 3, 7], 'float32', true);
  for (let i = 0; i < logits.size; i++) logits.data[i] = rng.uniform(-3, 3);
  const loss = crossEntropy(logits, targets, o);
  const gradOut = Float32Array.from({ length: loss.size }, (_, i) => 0.5 + i / 10);
  backward(loss, o.reduction === 'none' ? gradOut : Float32Array.of(1.5));
  return { loss: Array.from(loss.data), grad: Array.from(logits.grad!) };
}

test('crossEntropy on every backend equals the js backend: options, reductions, targets as number[] or Int32Array', () => {
  for (const o of ceOptions) {
    const targets = [0, 3, 6, 2, o.ignoreIndex ?? -100, 1, 5, 3, 4, 0, 6, 6, 2, 1, 3];
    const ref = onBackend('js', () => crossEntropyRun(o, targets));
    for (const name of availableBackends()) {
      for (const t of [targets, Int32Array.from(targets), Float32Array.from(targets)]) {
        const got = onBackend(name, () => crossEntropyRun(o, t));
        const label = `${name} ${JSON.stringify(o)} targets ${t.constructor.name}`;
        assertClose(got.loss, ref.loss, { atol: 1e-6, rtol: 1e-5 }, `${label}: loss`);
        assertClose(got.grad, ref.grad, { atol: 1e-6, rtol: 1e-5 }, `${label}: gradient`);
      }
    }
  }
});

test("crossEntropy reduction 'none': ignored and masked rows get a zero gradient even from a NaN upstream gradient", () => {
  for (const name of availableBackends()) {
    onBackend(name, () => {
      const logits = Tensor.from([1, 2, 3, 0, 0, 1, 2, -1, 0.5], [3, 3], 'float32', true);
      const loss = crossEntropy(logits, [2, -100, 0], { reduction: 'none', mask: [1, 1, 0] });
      backward(loss, Float32Array.of(1, NaN, NaN));
      const g = Array.from(logits.grad!);
      assert.deepEqual(g.slice(3), [0, 0, 0, 0, 0, 0], `${name}: skipped rows`);
      assert.ok(g[2] < 0 && g.slice(0, 3).every(Number.isFinite), `${name}: kept row ${g.slice(0, 3)}`);
    });
  }
});

test('crossEntropy without gradients (noGrad, or logits not requiring one) gives the same loss', () => {
  const rng = new Random(4);
  const logits = Tensor.zeros([6, 5], 'float32', true);
  for (let i = 0; i < logits.size; i++) logits.data[i] = rng.uniform(-2, 2);
  const targets = [0, 4, 2, 2, 1, 3];
  const withGrad = crossEntropy(logits, targets, { labelSmoothing: 0.1 }).item();
  assert.equal(noGrad(() => crossEntropy(logits, targets, { labelSmoothing: 0.1 })).item(), withGrad);
  const plain = Tensor.from(logits.data, logits.shape);
  const loss = crossEntropy(plain, targets, { labelSmoothing: 0.1 });
  assert.equal(loss.item(), withGrad);
  assert.equal(loss.requiresGrad, false);
});

const optimisers: [string, (p: Tensor[]) => Optimizer][] = [
  ['SGD nesterov', (p) => new SGD(p, { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 0.01 })],
  ['SGD dampening', (p) => new SGD(p, { lr: 0.05, momentum: 0.5, dampening: 0.2 })],
  ['Adagrad', (p) => new Adagrad(p, { lr: 0.1, lrDecay: 0.05, weightDecay: 0.01, initialAccumulatorValue: 0.1 })],
  ['RMSprop centered momentum', (p) => new RMSprop(p, { lr: 0.01, centered: true, momentum: 0.9, weightDecay: 0.01 })],
  ['Adam amsgrad', (p) => new Adam(p, { lr: 0.01, amsgrad: true, weightDecay: 0.01 })],
  ['AdamW', (p) => new AdamW(p, { lr: 0.01 })],
];

// Parameters of 1, 65 and 1000 values; a parameter without a gradient on step 2 is skipped.
function optimiserRun(make: (p: Tensor[]) => Optimizer): number[][] {
  const rng = new Random(3);
  const params = [1, 65, 1000].map((n) => {
    const t = Tensor.zeros([n], 'float32', true);
    for (let i = 0; i < n; i++) t.data[i] = rng.uniform(-1, 1);
    return t;
  });
  const opt = make(params);
  for (let step = 0; step < 4; step++) {
    params.forEach((p, i) => {
      p.grad = step === 1 && i === 1 ? null : Float32Array.from({ length: p.size }, () => rng.uniform(-1, 1));
    });
    opt.step();
  }
  const state = opt.stateDict();
  return [...params.map((p) => Array.from(p.data)), ...Object.keys(state.buffers).sort().map((k) => Array.from(state.buffers[k]))];
}

test('every optimiser on every backend equals the js backend after 4 steps (parameters and state)', () => {
  for (const [label, make] of optimisers) {
    const ref = onBackend('js', () => optimiserRun(make));
    for (const name of availableBackends()) {
      const got = onBackend(name, () => optimiserRun(make));
      assert.equal(got.length, ref.length, `${name} ${label}: state buffers`);
      got.forEach((values, i) => assertClose(values, ref[i], { atol: 1e-5, rtol: 1e-5 }, `${name} ${label}: array ${i}`));
    }
  }
});
