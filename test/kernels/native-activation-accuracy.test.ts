import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadNativeKernels, nativeLoadFailure } from '../../src/kernels/native/index.js';
import { type Act, sigmoid, sweep, worstRelative } from '../helpers/activation-sweep.js';
import { forEachIsa } from '../helpers/native-isa.js';

// The native tanh and sigmoid (native/src/simd.h: expm1-based tanh, sigmoid through one exp and
// one division) over dense sweeps against float64, on every instruction set this CPU has: a few
// ulp, much tighter than the comparison tests' tolerances, so a wrong coefficient or a lost
// reduction step shows here first. The cells (RNN, LSTM, GRU) use these same functions. Plus the
// inputs where the reductions and clamps matter: NaN (any payload), infinities, zeros of both
// signs, subnormal and huge inputs.

const native = loadNativeKernels();
const skip = native ? false : `native addon not built (${nativeLoadFailure()}); run \`npm run build:native\``;

function run(act: Act, x: Float32Array): Float32Array {
  const y = new Float32Array(x.length);
  native!.activationForward(act, 0, x.length, x, y);
  return y;
}
const runNative = (act: Act) => (x: Float32Array, y: Float32Array) => y.set(run(act, x));

test('native tanh and sigmoid stay within a few ulp of float64 over dense sweeps, every ISA', { skip }, () => {
  // 3e-7 is 2.5 ulp just below 1 and 5 ulp just above 0.5 (the functions measure <= 2.1e-7 here).
  // Sigmoid far left is e^x through a reduction whose ln2 carries a 1.9e-9 error per unit of n:
  // up to 3.4e-7 on this sweep (5.3 ulp worst over all floats, near x = -86.6, value 2e-38).
  const cases: [Act, Float32Array, number][] = [
    ['tanh', sweep(-12, 12, 200003), 3e-7], ['tanh', sweep(-0.7, 0.7, 100003), 3e-7],
    ['tanh', sweep(-1e-3, 1e-3, 10001), 3e-7], ['tanh', sweep(-1e-30, 1e-30, 1001), 3e-7],
    ['sigmoid', sweep(-20, 40, 200003), 3e-7], ['sigmoid', sweep(-3, 3, 100003), 3e-7],
    ['sigmoid', sweep(-87, -20, 100003), 6e-7],
  ];
  forEachIsa((isa) => {
    for (const [act, x, bound] of cases) {
      const { rel, at } = worstRelative(act, x, runNative(act));
      assert.ok(rel <= bound, `${isa} ${act} over [${x[0]}, ${x[x.length - 1]}]: relative error ${rel} at x = ${at}`);
    }
    // Odd symmetry is exact: the magnitude is computed from |x| and the sign put back.
    const x = sweep(-9, 9, 4001), y = run('tanh', x), yNeg = run('tanh', x.map((v) => -v));
    for (let i = 0; i < x.length; i++) assert.equal(yNeg[i], -y[i], `${isa}: tanh(-x) = -tanh(x) at x = ${x[i]}`);
  });
});

test('native tanh and sigmoid at NaN, infinities, zeros, subnormal and huge inputs, every ISA', { skip }, () => {
  const bits = new Uint32Array([0x7fc00000, 0xffc00000, 0x7fc00123, 0x7f800001, 0xffbfffff, 0x7fc7ffff]);
  const nans = new Float32Array(bits.buffer);
  // 21 values: one full AVX-512 vector and a partial one (the masked tail path).
  const special = Float32Array.from([Infinity, -Infinity, 0, -0, 1e-40, -1e-40, 1e-45, 1e-30, -1e-30,
    88, -88, 89, -89, 100, -100, 1e30, -1e30, 3e38, -3e38, 9.5, -9.5]);
  forEachIsa((isa) => {
    for (const act of ['tanh', 'sigmoid'] as const) {
      const y = run(act, Float32Array.from([...nans, ...nans, ...nans]));
      assert.ok(y.every(Number.isNaN), `${isa}: NaN (any payload) propagates through ${act}: ${[...y]}`);
    }
    const t = run('tanh', special), s = run('sigmoid', special);
    for (let i = 0; i < special.length; i++) {
      const x = special[i];
      const label = `${isa} at x = ${x}`;
      const te = Math.tanh(x);
      if (Math.abs(x) < 1e-20) assert.equal(t[i], Math.fround(x), `tanh(x) = x for tiny x, ${label}`);
      else assert.ok(Math.abs(t[i] - te) <= 3e-7 * Math.abs(te), `tanh ${label}: ${t[i]} vs ${te}`);
      assert.equal(Object.is(t[i], -0), Object.is(x, -0), `tanh keeps the sign of zero, ${label}`);
      const se = sigmoid(x);
      assert.ok(Math.abs(s[i] - se) <= 3e-7 * se || Math.abs(s[i] - se) <= 1e-37, `sigmoid ${label}: ${s[i]} vs ${se}`);
      assert.ok(s[i] >= 0 && s[i] <= 1, `sigmoid stays in [0, 1], ${label}`);
    }
  });
});
