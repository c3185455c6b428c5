import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backward } from '../../src/tensor/autograd.js';
import { weightedSum } from '../../src/tensor/ops/basic.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { binaryCrossEntropyWithLogits, crossEntropy, mseLoss, type CrossEntropyOptions } from '../../src/train/index.js';
import { Random } from '../../src/util/random.js';
import { assertClose } from '../helpers/close.js';
import { loadFixture } from '../helpers/fixtures.js';
import { gradcheck } from '../helpers/gradcheck.js';

// PyTorch 1.13 values from scripts/fixtures/train_fixtures.py (fixtures/train/losses.json).
interface LossCase {
  name: string; kind: 'crossEntropy' | 'bceWithLogits' | 'mse'; shape: number[];
  logits?: number[]; targets?: unknown; pred?: number[]; target?: number[];
  opts: Record<string, unknown>; gradOut: number[]; loss: number[]; grad: Record<string, number[]>;
}

const TOL = { atol: 1e-6, rtol: 1e-5 };
const cases = loadFixture<{ cases: LossCase[] }>('train/losses.json').cases;

function runCase(c: LossCase): { loss: Tensor; inputs: Record<string, Tensor> } {
  if (c.kind === 'crossEntropy') {
    const logits = Tensor.from(c.logits!, c.shape, 'float32', true);
    const targets = (c.targets as number[] | number[][]).flat();
    return { loss: crossEntropy(logits, targets, c.opts as CrossEntropyOptions), inputs: { logits } };
  }
  if (c.kind === 'bceWithLogits') {
    const logits = Tensor.from(c.logits!, c.shape, 'float32', true);
    const targets = Tensor.from(c.targets as number[], c.shape, 'float32', true);
    return { loss: binaryCrossEntropyWithLogits(logits, targets, c.opts), inputs: { logits, targets } };
  }
  const pred = Tensor.from(c.pred!, c.shape, 'float32', true);
  const target = Tensor.from(c.target!, c.shape, 'float32', true);
  return { loss: mseLoss(pred, target, c.opts), inputs: { pred, target } };
}

test('losses and their gradients match PyTorch 1.13 (ignore_index, weights, label smoothing, masks, huge logits)', () => {
  assert.ok(cases.length >= 40, `only ${cases.length} loss cases`);
  for (const c of cases) {
    const { loss, inputs } = runCase(c);
    assertClose(loss.toArray(), c.loss, TOL, `${c.name}: loss`);
    if (c.opts.reduction === 'none') backward(loss, Float32Array.from(c.gradOut));
    else backward(loss);
    for (const [name, expected] of Object.entries(c.grad)) {
      assertClose(inputs[name].grad!, expected, TOL, `${c.name}: gradient of ${name}`);
    }
  }
});

test('crossEntropy with reduction none keeps the leading shape of [T, B, C] logits', () => {
  const c = cases.find((x) => x.name === 'ce [T,B,C] none')!;
  assert.deepEqual(runCase(c).loss.shape, [3, 2]);
});

// float64 finite differences for every option, every reduction (a random weighting turns 'none' into a scalar).
test('gradcheck (float64) of crossEntropy with weights, smoothing, masks and ignored rows', () => {
  const rng = new Random(7);
  const rand = (n: number, s = 1) => Array.from({ length: n }, () => rng.uniform(-s, s));
  const N = 5, C = 4;
  const logits = Tensor.from(rand(N * C, 3), [N, C], 'float64');
  const targets = [0, 3, -100, 2, 1];
  const variants: CrossEntropyOptions[] = [
    {}, { weight: [0.5, 2, 1, 0.25] }, { labelSmoothing: 0.2 }, { mask: [1, 0, 1, 1, 0.5] },
    { weight: [0.5, 2, 1, 0.25], labelSmoothing: 0.3, mask: [1, 1, 1, 0, 1] },
  ];
  for (const v of variants) for (const reduction of ['mean', 'sum', 'none'] as const) {
    const rowWeights = Tensor.from(rand(N), [N], 'float64');
    const loss = () => {
      const l = crossEntropy(logits, targets, { ...v, reduction });
      return reduction === 'none' ? weightedSum(l, rowWeights) : l;
    };
    gradcheck(loss, { logits });
  }
});

test('gradcheck (float64) of binaryCrossEntropyWithLogits and mseLoss wrt both inputs', () => {
  const rng = new Random(8);
  const rand = (n: number, lo: number, hi: number) => Array.from({ length: n }, () => rng.uniform(lo, hi));
  const shape = [3, 4];
  const logits = Tensor.from(rand(12, -4, 4), shape, 'float64');
  const targets = Tensor.from(rand(12, 0, 1), shape, 'float64');
  const pred = Tensor.from(rand(12, -2, 2), shape, 'float64');
  const target = Tensor.from(rand(12, -2, 2), shape, 'float64');
  for (const reduction of ['mean', 'sum', 'none'] as const) {
    const weights = Tensor.from(rand(12, -1, 1), shape, 'float64');
    const reduce = (l: Tensor) => (reduction === 'none' ? weightedSum(l, weights) : l);
    gradcheck(() => reduce(binaryCrossEntropyWithLogits(logits, targets, { reduction })), { logits, targets });
    gradcheck(() => reduce(binaryCrossEntropyWithLogits(logits, targets, { reduction, posWeight: [2, 0.5, 1, 3] })),
      { logits, targets });
    gradcheck(() => reduce(mseLoss(pred, target, { reduction })), { pred, target });
  }
});

test('crossEntropy stays finite and exact for logits of ±1e4 in float32', () => {
  const logits = Tensor.from([1e4, -1e4, 0, 1e4 - 2], [1, 4], 'float32', true);
  const loss = crossEntropy(logits, [3]);
  // -log softmax = log(1 + e^2) for the two large logits 2 apart.
  assertClose([loss.item()], [Math.log1p(Math.exp(2))], { atol: 1e-6, rtol: 1e-6 }, 'loss');
  backward(loss);
  const p = 1 / (1 + Math.exp(-2));
  assertClose(logits.grad!, [p, 0, 0, -p], { atol: 1e-6, rtol: 1e-5 }, 'gradient');
});

test('crossEntropy mean over only ignored or masked rows is NaN, as in PyTorch', () => {
  const logits = Tensor.from([1, 2, 3, 4], [2, 2]);
  assert.ok(Number.isNaN(crossEntropy(logits, [-100, -100]).item()));
  assert.ok(Number.isNaN(crossEntropy(logits, [0, 1], { mask: [0, 0] }).item()));
  assert.equal(crossEntropy(logits, [-100, -100], { reduction: 'sum' }).item(), 0);
});

test('crossEntropy and friends reject bad targets and shapes with messages that locate them', () => {
  const logits = Tensor.from(new Array(12).fill(0), [2, 2, 3]);
  assert.throws(() => crossEntropy(logits, [0, 1, 3, 2]), /target 3 at row 2 \(position \[1, 0\]\) is outside 0\.\.2.*logits: \[2, 2, 3\]/);
  assert.throws(() => crossEntropy(logits, [0, -1, 0, 0]), /target -1 at row 1/);
  assert.throws(() => crossEntropy(logits, [0, 1.5, 0, 0]), /target 1\.5 at row 1/);
  assert.throws(() => crossEntropy(logits, [0, 1, 2]), /got 3 targets for 4 rows/);
  assert.throws(() => crossEntropy(logits, [0, 1, 2, 0], { weight: [1, 2] }), /weight has 2 values, expected one per class, C=3/);
  assert.throws(() => crossEntropy(logits, [0, 1, 2, 0], { mask: [1, 1] }), /mask has 2 values, expected one per row, N=4/);
  assert.throws(() => crossEntropy(logits, [0, 1, 2, 0], { labelSmoothing: 1.5 }), /labelSmoothing must be in \[0, 1\]/);
  assert.throws(() => crossEntropy(logits, [0, 1, 2, 0], { reduction: 'avg' as 'mean' }), /reduction must be/);
  // A masked-out row's target is never read (padding ids may be anything).
  assert.doesNotThrow(() => crossEntropy(logits, [0, 1, 99, 0], { mask: [1, 1, 0, 1] }));
  const a = Tensor.from([1, 2, 3], [3]), b = Tensor.from([1, 2, 3, 4], [4]);
  assert.throws(() => binaryCrossEntropyWithLogits(a, b), /targets \[4\] must have the shape of logits \[3\]/);
  assert.throws(() => binaryCrossEntropyWithLogits(a, a, { posWeight: [1, 2] }), /posWeight has 2 values.*C=3/);
  assert.throws(() => mseLoss(a, b), /target \[4\] must have the shape of pred \[3\]/);
});
