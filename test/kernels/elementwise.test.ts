import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernels } from '../../src/kernels/backend.js';
import { jsKernels as k } from '../../src/kernels/js/index.js';
import { assertClose } from '../helpers/close.js';

const tol = { atol: 1e-12, rtol: 1e-12 };

test('softmax and log-softmax rows: known values, stable for huge logits', () => {
  const x = Float64Array.from([0, Math.log(3), 1000, 1000 + Math.log(3)]);
  const y = new Float64Array(4), ly = new Float64Array(4);
  k.softmaxRows(2, 2, x, y);
  k.logSoftmaxRows(2, 2, x, ly);
  assertClose(y, [0.25, 0.75, 0.25, 0.75], tol, 'softmax');
  assertClose(ly, [Math.log(0.25), Math.log(0.75), Math.log(0.25), Math.log(0.75)], tol, 'log-softmax');
});

test('activations and their derivatives from the output', () => {
  const x = Float64Array.from([-2, -0.5, 0.5, 2]);
  const expected: Record<string, number[]> = {
    tanh: [...x].map(Math.tanh),
    sigmoid: [...x].map((v) => 1 / (1 + Math.exp(-v))),
    relu: [0, 0, 0.5, 2],
    leaky_relu: [-0.2, -0.05, 0.5, 2],
    identity: [...x],
  };
  const derivative: Record<string, (y: number, v: number) => number> = {
    tanh: (y) => 1 - y * y, sigmoid: (y) => y * (1 - y), relu: (_, v) => (v > 0 ? 1 : 0),
    leaky_relu: (_, v) => (v > 0 ? 1 : 0.1), identity: () => 1,
  };
  for (const act of Object.keys(expected) as (keyof typeof expected)[]) {
    const y = new Float64Array(4), dx = Float64Array.from([1, 1, 1, 1]);
    k.activationForward(act as never, 0.1, 4, x, y);
    assertClose(y, expected[act], tol, `${act} forward`);
    const dy = Float64Array.from([1, 2, 3, 4]);
    k.activationBackward(act as never, 0.1, 4, y, dy, dx, true);
    assertClose(dx, [...x].map((v, i) => 1 + dy[i] * derivative[act](y[i], v)), tol, `${act} backward (accumulated)`);
  }
});

test('sigmoid does not overflow for large |x|', () => {
  const y = new Float64Array(2);
  k.activationForward('sigmoid', 0, 2, Float64Array.from([-1000, 1000]), y);
  assertClose(y, [0, 1], tol, 'sigmoid(±1000)');
});

test('row-vector add and column sums', () => {
  const y = Float64Array.from([1, 2, 3, 4, 5, 6]);
  k.addRowVector(2, 3, Float64Array.from([10, 20, 30]), y);
  assertClose(y, [11, 22, 33, 14, 25, 36], tol, 'addRowVector');
  const out = Float64Array.from([1, 1, 1]);
  k.sumRowsInto(2, 3, y, out);
  assertClose(out, [26, 48, 70], tol, 'sumRowsInto');
});

test('every activation keeps NaN and infinities as PyTorch does, on the backend under test', () => {
  const be = kernels();
  const x = Float32Array.from([NaN, Infinity, -Infinity, -0, 7, NaN, -3, 0.25, NaN]); // > one 4-lane vector
  const expected: Record<string, number[]> = {
    relu: [NaN, Infinity, 0, 0, 7, NaN, 0, 0.25, NaN],
    leaky_relu: [NaN, Infinity, -Infinity, 0, 7, NaN, -0.30000001192092896, 0.25, NaN],
    tanh: [NaN, 1, -1, 0, Math.fround(Math.tanh(7)), NaN, Math.fround(Math.tanh(-3)), Math.fround(Math.tanh(0.25)), NaN],
    sigmoid: [NaN, 1, 0, 0.5, Math.fround(1 / (1 + Math.exp(-7))), NaN, Math.fround(1 / (1 + Math.exp(3))),
      Math.fround(1 / (1 + Math.exp(-0.25))), NaN],
  };
  for (const [act, want] of Object.entries(expected)) {
    const y = new Float32Array(x.length);
    be.activationForward(act as never, 0.1, x.length, x, y);
    want.forEach((w, i) => {
      if (Number.isNaN(w)) assert.ok(Number.isNaN(y[i]), `${be.name} ${act}(${x[i]}) = ${y[i]}, want NaN`);
      else assert.ok(Math.abs(y[i] - w) <= 2e-7 * Math.max(1, Math.abs(w)) || y[i] === w, `${be.name} ${act}(${x[i]}) = ${y[i]}, want ${w}`);
    });
  }
});
