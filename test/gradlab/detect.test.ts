import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { detectExploding, detectVanishing, globalGradNorm, gradientSummary } from '../../src/gradlab/detect.js';
import { Tensor } from '../../src/tensor/tensor.js';

describe('gradient detection', () => {
  test('globalGradNorm is the 2-norm of all gradients together, skipping parameters without one', () => {
    const a = Tensor.from([1, 2], [2]), b = Tensor.from([0, 0, 0], [3]), c = Tensor.from([5], [1]);
    a.grad = Float32Array.from([3, 4]);
    c.grad = Float32Array.from([12]);
    assert.equal(globalGradNorm([a, b, c]), 13);
    assert.equal(globalGradNorm([b]), 0);
  });

  test('vanishing: the first-to-last ratio against the threshold', () => {
    const v = detectVanishing([1e-6, 1e-3, 1]);
    assert.equal(v.vanished, true);
    assert.equal(v.ratio, 1e-6);
    assert.ok(Math.abs(v.decades - 6) < 1e-12);
    assert.match(v.reason, /1\.00e-6 \/ 1\.00 = 1\.00e-6 < 0\.0100/);
    assert.equal(detectVanishing([0.5, 0.8, 1]).vanished, false);
    assert.equal(detectVanishing([0.5, 1], 0.6).vanished, true, 'custom threshold');
    assert.equal(detectVanishing([0, 1]).vanished, true, 'underflow to 0 is vanishing');
    assert.equal(detectVanishing([0, 0]).vanished, false, 'no gradient at all is not vanishing');
  });

  test('exploding: a norm above the threshold, a non-finite norm or loss, or a growing loss', () => {
    const calm = detectExploding([1, 2, 3], [0.7, 0.6, 0.5]);
    assert.deepEqual([calm.exploded, calm.diverged, calm.firstStep, calm.maxNorm], [false, false, null, 3]);
    const spike = detectExploding([1, 5e3, 2], [0.7, 0.6, 0.5]);
    assert.deepEqual([spike.exploded, spike.diverged, spike.firstStep, spike.maxNorm], [true, false, 2, 5e3]);
    const nan = detectExploding([1, 2, NaN], [0.7, 150, 0.69]);
    assert.deepEqual([nan.exploded, nan.nonFinite, nan.diverged, nan.firstStep, nan.maxNorm], [true, true, true, 3, 2]);
    assert.match(nan.reason, /non-finite gradient at step 3/);
    const infLoss = detectExploding([1, 2], [0.7, Infinity]);
    assert.equal(infLoss.diverged, true);
    assert.match(infLoss.reason, /non-finite loss at step 2/);
    const growing = detectExploding(Array(20).fill(1), [...Array(10).fill(0.7), ...Array(10).fill(5)]);
    assert.deepEqual([growing.exploded, growing.diverged, growing.nonFinite], [true, true, false]);
    assert.match(growing.reason, /loss grew from 0\.700 to 5\.00/);
    assert.equal(detectExploding([1, 2], [1, 2], { lossGrowth: 1.5 }).diverged, true);
    assert.equal(detectExploding([10, 20], [1, 1], { normThreshold: 5 }).firstStep, 1);
  });

  test('the summary names the verdicts and the numbers', () => {
    const s = gradientSummary('tanh', detectVanishing([1e-9, 1]), detectExploding([1], [0.7]));
    assert.match(s, /^tanh: vanishing: the first step gets 1\.00e-9 of the last step's gradient \(9\.0 orders of magnitude lost\)/);
    assert.match(s, /stable: max gradient norm 1\.00 <= 1\.00e\+3/);
  });
});
