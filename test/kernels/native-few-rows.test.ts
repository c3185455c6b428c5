import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jsKernels as js } from '../../src/kernels/js/index.js';
import { loadNativeKernels, nativeLoadFailure } from '../../src/kernels/native/index.js';
import { Random } from '../../src/util/random.js';
import { assertClose } from '../helpers/close.js';
import { type SequenceCase as Case, rand } from '../helpers/sequence-case.js';
import { check, problem, runNative } from '../helpers/native-sequence-check.js';
import { forEachIsa } from '../helpers/native-isa.js';

// The native few-rows paths (native/src/few_rows.h, gemv.h): layer passes with a batch of 4 rows
// or fewer (generation and priming) and gemm with M <= 4 and B transposed (y = x · Wᵀ), against
// the js reference on odd sizes, on every instruction set, with 1 and 2 threads; and sizes big
// enough to be split over the threads give the same numbers as one thread.

const native = loadNativeKernels();
const skip = native ? false : `native addon not built (${nativeLoadFailure()}); run \`npm run build:native\``;

/** Runs fn with the native backend on each thread count, restoring the count afterwards. */
function withThreads(counts: number[], fn: (threads: number) => void): void {
  const before = native!.threads!();
  try {
    for (const n of counts) {
      native!.setThreads!(n);
      fn(n);
    }
  } finally {
    native!.setThreads!(before);
  }
}

type Variant = Pick<Case, 'mode' | 'act'> & { proj?: boolean; name: string };
const variants: Variant[] = [
  ...(['tanh', 'relu', 'leaky_relu', 'sigmoid', 'identity'] as const).map((act) => ({ mode: 'rnn' as const, act, name: `rnn ${act}` })),
  { mode: 'lstm', name: 'lstm' },
  { mode: 'lstm', proj: true, name: 'lstm with projection' },
  { mode: 'gru', name: 'gru' },
];
const hiddenSizes = [1, 3, 17, 65, 129];
const inputSizes = [1, 3, 64];

function caseOf(v: Variant, T: number, B: number, I: number, H: number, seed: number): Case {
  // Half the cases start from a given state, half from zeros; the projection halves H (at least 1).
  const withState = seed % 2 === 0;
  return { mode: v.mode, act: v.act, T, B, I, H, P: v.proj ? Math.max(1, H >> 1) : undefined, h0: withState, c0: withState };
}

test('native few rows: one step at batch 1 (generation), every cell, every size, 1 and 2 threads', { skip }, () => {
  withThreads([1, 2], () => {
    let seed = 1;
    for (const v of variants) {
      for (const H of hiddenSizes) {
        for (const I of inputSizes) check(caseOf(v, 1, 1, I, H, seed), seed++);
      }
    }
  });
});

test('native few rows: T in {1, 3}, B in {1, 2, 4}, every cell, 1 and 2 threads', { skip }, () => {
  withThreads([1, 2], () => {
    let seed = 1000;
    for (const v of variants) {
      for (const T of [1, 3]) {
        for (const B of [1, 2, 4]) {
          // Each (T, B) on a different (H, I), so every size meets every shape across the cells.
          const H = hiddenSizes[seed % hiddenSizes.length], I = inputSizes[(seed >> 1) % inputSizes.length];
          check(caseOf(v, T, B, I, H, seed), seed++);
        }
      }
    }
  });
});

test('native few rows: reverse directions and unsorted lengths', { skip }, () => {
  withThreads([1, 2], () => {
    let seed = 2000;
    for (const mode of ['rnn', 'lstm', 'gru'] as const) {
      check({ mode, T: 3, B: 2, I: 3, H: 17, reverse: true, lengths: [1, 3], h0: true, c0: true }, seed++);
      check({ mode, T: 4, B: 4, I: 5, H: 9, lengths: [4, 1, 3, 2] }, seed++);
      check({ mode, T: 1, B: 3, I: 64, H: 65, reverse: true, bias: false }, seed++);
    }
    check({ mode: 'lstm', T: 3, B: 4, I: 7, H: 33, P: 5, reverse: true, lengths: [2, 3, 1, 3] }, seed++);
  });
});

test('native few rows: empty passes (T = 0 hands the initial state on; B = 0)', { skip }, () => {
  let seed = 2500;
  for (const mode of ['rnn', 'lstm', 'gru'] as const) {
    check({ mode, T: 0, B: 2, I: 3, H: 5, h0: true, c0: true }, seed++);
    check({ mode, T: 0, B: 1, I: 3, H: 5 }, seed++);
    check({ mode, T: 2, B: 0, I: 3, H: 5 }, seed++);
  }
  check({ mode: 'lstm', T: 0, B: 1, I: 3, H: 5, P: 2, h0: true, c0: true }, seed++);
});

// Over a million multiply-adds per step (well above the threshold for splitting a step over the
// threads), with unit counts that do not divide evenly between them.
const bigCases: Case[] = [
  { mode: 'lstm', T: 1, B: 1, I: 64, H: 520, h0: true, c0: true },
  { mode: 'lstm', T: 3, B: 2, I: 129, H: 515, h0: true, c0: true },
  { mode: 'lstm', T: 2, B: 4, I: 17, H: 520, P: 257, h0: true, c0: true },
  { mode: 'gru', T: 1, B: 1, I: 65, H: 601, h0: true },
  { mode: 'gru', T: 3, B: 3, I: 3, H: 460, reverse: true, lengths: [3, 1, 2] },
  { mode: 'rnn', T: 2, B: 2, I: 64, H: 1031, act: 'relu', h0: true },
];

test('native few rows: steps split over threads match the reference', { skip }, () => {
  withThreads([2], () => {
    let seed = 3000;
    for (const c of bigCases) check(c, seed++);
  });
});

test('native few rows: 1 and 2 threads give identical results', { skip }, () => {
  let seed = 4000;
  for (const c of bigCases) {
    const p = problem(c, seed++);
    const results: Map<string, Float32Array>[] = [];
    withThreads([1, 2], () => results.push(runNative(p)));
    for (const [k, v] of results[0]) assert.deepEqual(results[1].get(k), v, `${JSON.stringify(c)} ${k}`);
  }
});


test('native few rows: gemm with M <= 4 and B transposed, odd sizes, alpha and beta, 1 and 2 threads', { skip }, () => {
  const rng = new Random(5);
  withThreads([1, 2], (threads) => forEachIsa((isa) => {
    for (let M = 1; M <= 4; M++) {
      for (const [N, K] of [[1, 1], [3, 17], [17, 3], [65, 512], [129, 63], [1, 129], [300, 513], [1031, 65]]) {
        for (const [alpha, beta] of [[1, 0], [0.5, 1], [-1.5, 0.25]]) {
          const A = rand(M * K, rng, 1), B = rand(N * K, rng, 1), C = rand(M * N, rng, 1);
          const C64 = Float64Array.from(C);
          native!.gemm(false, true, M, N, K, alpha, A, B, beta, C);
          js.gemm(false, true, M, N, K, alpha, Float64Array.from(A), Float64Array.from(B), beta, C64);
          assertClose(C, C64, { atol: 1e-5 * Math.sqrt(K), rtol: 1e-5 }, `${isa} ${threads} threads gemm NT ${M}x${N}x${K} alpha ${alpha} beta ${beta}`);
        }
      }
    }
  }));
});

test('native few rows: gemm with beta 0 never reads C, and the thread count does not change a bit', { skip }, () => {
  const rng = new Random(6);
  for (const [M, N, K] of [[1, 1031, 513], [4, 300, 257], [3, 65, 512]]) {
    const A = rand(M * K, rng, 1), B = rand(N * K, rng, 1);
    const results: Float32Array[] = [];
    withThreads([1, 2], () => {
      const C = new Float32Array(M * N).fill(NaN);
      native!.gemm(false, true, M, N, K, 1, A, B, 0, C);
      results.push(C);
    });
    assert.ok(results[0].every(Number.isFinite), `${M}x${N}x${K}: beta 0 left NaN from C`);
    assert.deepEqual(results[1], results[0], `${M}x${N}x${K}: 1 vs 2 threads`);
  }
});
