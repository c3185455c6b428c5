import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Tensor } from '../../src/tensor/tensor.js';
import { clipGradNorm, clipGradValue } from '../../src/train/index.js';
import { assertClose } from '../helpers/close.js';
import { loadFixture } from '../helpers/fixtures.js';

// PyTorch 1.13 values from scripts/fixtures/train_fixtures.py (fixtures/train/clip.json).
type Num = number | 'nan' | 'inf' | '-inf';
interface ClipCase {
  name: string; fn: 'norm' | 'value'; shapes: number[][]; grads: Num[][]; clipped: Num[][];
  maxNorm?: number; normType?: Num; totalNorm?: Num; clipValue?: number;
}

const TOL = { atol: 1e-6, rtol: 1e-5 };
const num = (v: Num): number => (v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : v);
const cases = loadFixture<{ cases: ClipCase[] }>('train/clip.json').cases;

function closeWithNaN(actual: ArrayLike<number>, expected: number[], label: string): void {
  for (let i = 0; i < expected.length; i++) {
    assert.equal(Number.isNaN(actual[i]), Number.isNaN(expected[i]), `${label}: element ${i} is ${actual[i]}, expected ${expected[i]}`);
  }
  const keep = expected.map((e, i) => (Number.isNaN(e) ? 0 : i + 1)).filter((i) => i > 0).map((i) => i - 1);
  assertClose(keep.map((i) => actual[i]), keep.map((i) => expected[i]), TOL, label);
}

test('clipGradNorm and clipGradValue match PyTorch 1.13 (norm types 1, 2, 3, inf; non-finite gradients)', () => {
  for (const c of cases) {
    const params = c.grads.map((g, i) => {
      const p = Tensor.zeros(c.shapes[i], 'float32', true);
      p.grad = Float32Array.from(g.map(num));
      return p;
    });
    if (c.fn === 'norm') {
      const total = clipGradNorm(params, c.maxNorm!, num(c.normType!));
      const expected = num(c.totalNorm!);
      if (Number.isFinite(expected)) assertClose([total], [expected], TOL, `${c.name}: total norm`);
      else assert.ok(Object.is(total, expected), `${c.name}: total norm ${total}, expected ${expected}`);
    } else {
      clipGradValue(params, c.clipValue!);
    }
    params.forEach((p, i) => closeWithNaN(p.grad!, c.clipped[i].map(num), `${c.name}: gradient ${i}`));
  }
});

test('clipGradNorm leaves gradients untouched under the limit, skips null gradients, returns 0 without any', () => {
  const a = Tensor.zeros([2], 'float32', true), b = Tensor.zeros([2], 'float32', true);
  a.grad = Float32Array.from([3, 4]);
  assert.equal(clipGradNorm([a, b], 10), 5);
  assert.deepEqual(Array.from(a.grad), [3, 4]);
  assert.equal(b.grad, null);
  // coef = 1 / (5 + 1e-6): the 1e-6 keeps the clipped norm just below maxNorm.
  assert.equal(clipGradNorm([a], 1), 5);
  assertClose(a.grad, [3 / (5 + 1e-6), 4 / (5 + 1e-6)], { atol: 0, rtol: 1e-7 }, 'clipped');
  assert.equal(clipGradNorm([b], 1), 0);
  assert.throws(() => clipGradNorm([a], 1, 0), /normType must be > 0 or Infinity, got 0/);
  assert.throws(() => clipGradValue([a], -1), /clipValue must be >= 0/);
});
