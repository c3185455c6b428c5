import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadNativeKernels, nativeAddon, nativeLoadFailure } from '../../src/kernels/native/index.js';
import type { SequenceCase as Case } from '../helpers/sequence-case.js';
import { assertSameOnOneAndTwoThreads, check, type GradName, problem, runNative, runReference } from '../helpers/native-sequence-check.js';

// Without h0 the state entering step 0 is zero: the native forward skips step 0's product with
// W_hh when W_hh is finite (it adds exactly nothing), and backward skips the product giving the
// gradient wrt h0 when nobody asked for it. Against the js reference on odd sizes, batches on
// both sides of the few-rows path, with and without lengths and reverse; and with an infinite
// or NaN recurrent weight, where the reference's 0 * w makes NaNs the native pass must make too.

const native = loadNativeKernels();
const addon = nativeAddon();
const skip = native ? false : `native addon not built (${nativeLoadFailure()}); run \`npm run build:native\``;

test('native zero initial state: every cell kind, odd sizes, against the reference', { skip }, () => {
  let seed = 700;
  for (const mode of ['lstm', 'gru', 'rnn'] as const) {
    for (const [H, B] of [[1, 1], [3, 3], [17, 5], [63, 9], [65, 64], [129, 65]]) {
      const base: Case = { mode, T: 3, B, I: 7, H };
      check(base, seed++);
      check({ ...base, c0: mode === 'lstm' }, seed++, ['dh0']);
      check({ ...base, reverse: true }, seed++, ['dh0', 'dc0']);
      const lengths = Array.from({ length: B }, (_, b) => 1 + ((b * 5) % 3));
      check({ ...base, lengths }, seed++, ['dh0']);
      check({ ...base, reverse: true, lengths }, seed++);
    }
  }
  check({ mode: 'lstm', T: 4, B: 6, I: 5, H: 11, P: 4 }, seed++, ['dh0']);
});

test('native zero initial state: an infinite or NaN recurrent weight gives the reference NaNs', { skip }, () => {
  const best = addon!.isa();
  try {
    let seed = 800;
    for (const mode of ['lstm', 'gru', 'rnn'] as const) {
      for (const bad of [Infinity, -Infinity, NaN]) {
        for (const B of [2, 9]) {
          const p = problem({ mode, T: 2, B, I: 3, H: 5 }, seed++, ['dh0'] as GradName[]);
          p.w.wHh[7] = bad;
          const expected = runReference(p);
          for (const isa of addon!.supportedIsas()) {
            addon!.setIsa(isa);
            const actual = runNative(p);
            for (const k of ['out', 'hN']) {
              const a = actual.get(k)!, e = expected.get(k)!;
              const nanA = Array.from(a, Number.isNaN), nanE = Array.from(e, Number.isNaN);
              assert.ok(nanE.some((x) => x), `${mode} ${bad}: the reference makes NaNs`);
              assert.deepEqual(nanA, nanE, `${isa} ${mode} B=${B} w=${bad} ${k}: NaN where the reference has them`);
            }
          }
        }
      }
    }
  } finally {
    addon!.setIsa(best);
  }
});

test('native zero initial state: 1 and 2 threads give identical results', { skip }, () => {
  for (const c of [
    { mode: 'lstm', T: 5, B: 64, I: 20, H: 65 },
    { mode: 'gru', T: 4, B: 33, I: 9, H: 17, reverse: true },
    { mode: 'rnn', T: 3, B: 65, I: 7, H: 63, lengths: Array.from({ length: 65 }, (_, b) => 1 + (b % 3)) },
  ] as Case[]) assertSameOnOneAndTwoThreads(c, 900, ['dh0']);
});
