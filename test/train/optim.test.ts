import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Tensor } from '../../src/tensor/tensor.js';
import { Adagrad, Adam, AdamW, type Optimizer, type OptimizerState, RMSprop, SGD } from '../../src/train/index.js';
import { assertClose } from '../helpers/close.js';
import { loadFixture } from '../helpers/fixtures.js';

// PyTorch 1.13 values from scripts/fixtures/train_fixtures.py (fixtures/train/optim.json):
// parameters after 1 and 3 steps from given gradients (null: the parameter has no grad that step).
interface OptimCase {
  name: string; optimizer: string; opts: Record<string, unknown>; shapes: number[][];
  params: number[][]; grads: (number[] | null)[][]; after1: number[][]; after3: number[][];
}

const TOL = { atol: 1e-6, rtol: 1e-5 };
const cases = loadFixture<{ cases: OptimCase[] }>('train/optim.json').cases;

function makeOptimizer(kind: string, params: Tensor[], opts: Record<string, unknown>): Optimizer {
  switch (kind) {
    case 'SGD': return new SGD(params, opts as { lr: number });
    case 'Adagrad': return new Adagrad(params, opts);
    case 'RMSprop': return new RMSprop(params, opts);
    case 'Adam': return new Adam(params, opts);
    case 'AdamW': return new AdamW(params, opts);
    default: throw new Error(`unknown optimiser ${kind}`);
  }
}

function setGrads(params: Tensor[], grads: (number[] | null)[]): void {
  params.forEach((p, i) => { p.grad = grads[i] ? Float32Array.from(grads[i]!) : null; });
}

test('every optimiser and option variant matches PyTorch 1.13 after 1 and 3 steps', () => {
  const kinds = new Set(cases.map((c) => c.optimizer));
  assert.deepEqual([...kinds].sort(), ['Adagrad', 'Adam', 'AdamW', 'RMSprop', 'SGD']);
  for (const c of cases) {
    const params = c.params.map((v, i) => Tensor.from(v, c.shapes[i], 'float32', true));
    const opt = makeOptimizer(c.optimizer, params, c.opts);
    for (let s = 0; s < 3; s++) {
      setGrads(params, c.grads[s]);
      opt.step();
      if (s === 0) params.forEach((p, i) => assertClose(p.data, c.after1[i], TOL, `${c.name}: parameter ${i} after 1 step`));
    }
    params.forEach((p, i) => assertClose(p.data, c.after3[i], TOL, `${c.name}: parameter ${i} after 3 steps`));
  }
});

test('stateDict round trip: 2 steps, save, new optimiser + load, 1 step == 3 uninterrupted steps, bit for bit', () => {
  for (const c of cases) {
    const fresh = () => c.params.map((v, i) => Tensor.from(v, c.shapes[i], 'float32', true));
    const straight = fresh();
    const a = makeOptimizer(c.optimizer, straight, c.opts);
    for (let s = 0; s < 3; s++) { setGrads(straight, c.grads[s]); a.step(); }

    const resumed = fresh();
    const b = makeOptimizer(c.optimizer, resumed, c.opts);
    for (let s = 0; s < 2; s++) { setGrads(resumed, c.grads[s]); b.step(); }
    // Through JSON and back for the scalars, as a checkpoint writer stores them.
    const saved = b.stateDict();
    const state: OptimizerState = { ...JSON.parse(JSON.stringify({ ...saved, buffers: {} })), buffers: saved.buffers };
    const copies = resumed.map((p) => Tensor.from(p.data, p.shape, 'float32', true));
    const c2 = makeOptimizer(c.optimizer, copies, { ...c.opts, lr: 123 });
    c2.loadStateDict(state);
    assert.equal(c2.lr, b.lr, `${c.name}: lr comes back from the state`);
    setGrads(copies, c.grads[2]);
    c2.step();
    copies.forEach((p, i) => assert.deepEqual(Array.from(p.data), Array.from(straight[i].data), `${c.name}: parameter ${i}`));
    assert.equal(c2.stepCount, 3);
  }
});

test('stateDict is a snapshot and names buffers like PyTorch', () => {
  const p = Tensor.from([1, 2, 3], [3], 'float32', true);
  const opt = new Adam([p], { amsgrad: true });
  p.grad = Float32Array.from([0.1, -0.2, 0.3]);
  opt.step();
  const s = opt.stateDict();
  assert.deepEqual(Object.keys(s.buffers).sort(), ['exp_avg.0', 'exp_avg_sq.0', 'max_exp_avg_sq.0']);
  assert.ok(s.buffers['exp_avg.0'] instanceof Float32Array);
  assert.deepEqual(s.paramSteps, [1]);
  assert.deepEqual(s.hyper, { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, amsgrad: true });
  const before = Array.from(s.buffers['exp_avg.0']);
  opt.step();
  assert.deepEqual(Array.from(s.buffers['exp_avg.0']), before);
});

test('loadStateDict rejects a mismatched state with a clear message and changes nothing', () => {
  const a = Tensor.zeros([2, 3], 'float32', true), b = Tensor.zeros([4], 'float32', true);
  a.name = 'rnn.weight_hh_l0';
  const opt = new Adam([a, b]);
  a.grad = new Float32Array(6).fill(1); b.grad = new Float32Array(4).fill(1);
  opt.step();
  const good = opt.stateDict();
  const other = new Adam([Tensor.zeros([2, 3], 'float32', true)]);
  assert.throws(() => other.loadStateDict(good), /Adam.loadStateDict: the state has 2 parameters, this optimiser has 1/);
  const swapped = new Adam([Tensor.zeros([4], 'float32', true), Tensor.zeros([2, 3], 'float32', true)]);
  assert.throws(() => swapped.loadStateDict(good), /buffer 'exp_avg.0' has 6 values, parameter 0 \(\[4\]\) has 4/);
  const fresh = new Adam([a, b]);
  assert.throws(() => fresh.loadStateDict({ ...good, buffers: { ...good.buffers, 'exp_avg.0': new Float32Array(5) } }),
    /buffer 'exp_avg.0' has 5 values, parameter 0 \(rnn.weight_hh_l0: \[2, 3\]\) has 6/);
  assert.throws(() => fresh.loadStateDict({ ...good, buffers: { 'momentum.0': new Float32Array(6) } }), /unexpected buffer 'momentum.0'/);
  assert.throws(() => fresh.loadStateDict({ ...good, buffers: { 'exp_avg.7': new Float32Array(6) } }), /buffer 'exp_avg.7' is for parameter 7/);
  assert.throws(() => fresh.loadStateDict({ ...good, type: 'SGD' }), /the state is for a SGD optimiser/);
  assert.throws(() => fresh.loadStateDict({ ...good, hyper: { lr: 0.1 } }), /hyper-parameters \[lr\] do not match/);
  assert.throws(() => new SGD([a], { lr: 0.1 }).loadStateDict({ ...good, type: 'SGD' }), /2 parameters, this optimiser has 1/);
  assert.equal(fresh.stepCount, 0);
  assert.deepEqual(fresh.stateDict().buffers, {});
});

test('optimisers validate their arguments as PyTorch does', () => {
  const p = Tensor.zeros([2], 'float32', true);
  assert.throws(() => new SGD([], { lr: 0.1 }), /SGD: got an empty parameter list/);
  assert.throws(() => new SGD([p, p], { lr: 0.1 }), /parameter 1 appears more than once/);
  assert.throws(() => new SGD([p], { lr: -1 }), /SGD: lr must be >= 0, got -1/);
  assert.throws(() => new SGD([p], { lr: 0.1, nesterov: true }), /nesterov momentum needs momentum > 0 and dampening 0/);
  assert.throws(() => new Adam([p], { betas: [0.9, 1] }), /Adam: beta2 must be in \[0, 1\), got 1/);
  assert.throws(() => new AdamW([p], { eps: -1 }), /AdamW: eps must be >= 0/);
  assert.throws(() => new RMSprop([p], { momentum: -0.5 }), /RMSprop: momentum must be >= 0/);
  assert.throws(() => new Adagrad([p], { lrDecay: -0.5 }), /Adagrad: lrDecay must be >= 0/);
});

test('defaults are PyTorch 1.13\'s; lr is settable; zeroGrad zeroes (or drops) gradients', () => {
  const p = Tensor.zeros([2], 'float32', true);
  assert.deepEqual(new SGD([p], { lr: 0.5 }).hyper, { lr: 0.5, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false });
  assert.deepEqual(new Adagrad([p]).hyper, { lr: 0.01, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10 });
  assert.deepEqual(new RMSprop([p]).hyper, { lr: 0.01, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false });
  assert.deepEqual(new AdamW([p]).hyper, { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 1e-2, amsgrad: false });
  const opt = new SGD([p], { lr: 0.5 });
  opt.lr = 0.25;
  p.grad = Float32Array.from([1, -2]);
  opt.step();
  assert.deepEqual(Array.from(p.data), [-0.25, 0.5]);
  opt.zeroGrad();
  assert.deepEqual(Array.from(p.grad), [0, 0]);
  opt.zeroGrad(true);
  assert.equal(p.grad, null);
  opt.step();
  assert.deepEqual(Array.from(p.data), [-0.25, 0.5], 'a parameter without a gradient is not updated');
  assert.throws(() => { opt.lr = -1; }, /learning rate must be >= 0/);
});

test('float64 parameters get float64 state and the same update as float32 to float32 precision', () => {
  const c = cases.find((x) => x.name === 'adam amsgrad')!;
  const params = c.params.map((v, i) => Tensor.from(v, c.shapes[i], 'float64', true));
  const opt = new Adam(params, c.opts);
  for (let s = 0; s < 3; s++) { params.forEach((p, i) => { p.grad = Float64Array.from(c.grads[s][i]!); }); opt.step(); }
  params.forEach((p, i) => assertClose(p.data, c.after3[i], TOL, `parameter ${i}`));
  assert.ok(opt.stateDict().buffers['exp_avg.0'] instanceof Float64Array);
});
