import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SequenceSpec } from '../../src/kernels/kernels.js';
import { loadNativeKernels, nativeLoadFailure } from '../../src/kernels/native/index.js';
import type { SequenceCase as Case } from '../helpers/sequence-case.js';
import { assertSameOnOneAndTwoThreads, check, type GradName, problem, runNative } from '../helpers/native-sequence-check.js';

// The whole-layer native kernels (the step loop and BPTT in C++) against the js reference driver
// run in float64 on the same float32 inputs: every cell kind and RNN activation, reverse
// directions and unsorted lengths (rows map), LSTM projection, with and without h0/c0/biases,
// on every instruction set this CPU has; and 1 vs 2 threads give identical numbers.

const native = loadNativeKernels();
const skip = native ? false : `native addon not built (${nativeLoadFailure()}); run \`npm run build:native\``;

test('native sequence kernels: RNN with every activation', { skip }, () => {
  let seed = 1;
  for (const act of ['tanh', 'relu', 'leaky_relu', 'sigmoid', 'identity'] as const) {
    check({ mode: 'rnn', T: 5, B: 3, I: 4, H: 7, act, h0: true }, seed++);
    check({ mode: 'rnn', T: 4, B: 2, I: 3, H: 5, act, reverse: true, lengths: [2, 4] }, seed++);
  }
});

test('native sequence kernels: LSTM and GRU, odd sizes, reverse, unsorted lengths, no bias', { skip }, () => {
  let seed = 100;
  for (const mode of ['lstm', 'gru'] as const) {
    check({ mode, T: 1, B: 1, I: 1, H: 1 }, seed++);
    check({ mode, T: 7, B: 3, I: 17, H: 9, h0: true, c0: true }, seed++);
    check({ mode, T: 6, B: 5, I: 3, H: 17, lengths: [3, 6, 1, 5, 2] }, seed++);
    check({ mode, T: 6, B: 4, I: 5, H: 8, reverse: true, lengths: [6, 2, 4, 3], h0: true, c0: true }, seed++);
    check({ mode, T: 3, B: 2, I: 65, H: 33, reverse: true, bias: false }, seed++);
    check({ mode, T: 4, B: 17, I: 63, H: 65, lengths: [4, 1, 3, 2, 4, 4, 1, 2, 3, 3, 4, 1, 2, 4, 3, 2, 1] }, seed++);
  }
});

test('native sequence kernels: LSTM with projection, lengths and reverse', { skip }, () => {
  check({ mode: 'lstm', T: 5, B: 3, I: 6, H: 11, P: 4, h0: true, c0: true }, 200);
  check({ mode: 'lstm', T: 6, B: 3, I: 4, H: 9, P: 5, reverse: true, lengths: [4, 6, 2] }, 201);
  check({ mode: 'lstm', T: 3, B: 9, I: 7, H: 129, P: 63 }, 202);
});

test('native sequence kernels: char-LM sizes (B=32, several K blocks of W_hh)', { skip }, () => {
  check({ mode: 'lstm', T: 8, B: 32, I: 16, H: 64, h0: true, c0: true }, 300);
  check({ mode: 'gru', T: 3, B: 4, I: 8, H: 300 }, 301);
});

test('native sequence kernels: inputs narrow against the GEMM tile (dW_ih computed transposed)', { skip }, () => {
  check({ mode: 'gru', T: 3, B: 5, I: 100, H: 128 }, 350);
  check({ mode: 'lstm', T: 4, B: 3, I: 33, H: 64, reverse: true, lengths: [4, 1, 3], h0: true, c0: true }, 351);
  check({ mode: 'rnn', T: 2, B: 2, I: 1, H: 64, bias: false }, 352);
});

test('native sequence kernels: the input projection made per step and for all steps at once', { skip }, () => {
  // Step order with small weights: per step; wide inputs whose weights overflow the cache: one GEMM.
  check({ mode: 'gru', T: 5, B: 6, I: 40, H: 20, h0: true }, 360);
  check({ mode: 'lstm', T: 3, B: 2, I: 1600, H: 64 }, 361);
  check({ mode: 'rnn', T: 3, B: 2, I: 1700, H: 65, act: 'sigmoid' }, 362);
});

test('native sequence kernels: reverse passes without lengths take the step order paths', { skip }, () => {
  // Each step's rows are one block of x: the input side per step, the output written in place.
  check({ mode: 'gru', T: 5, B: 6, I: 40, H: 20, reverse: true, h0: true }, 370);
  check({ mode: 'lstm', T: 4, B: 7, I: 9, H: 16, reverse: true }, 371);
  check({ mode: 'rnn', T: 6, B: 5, I: 3, H: 17, act: 'relu', reverse: true }, 372);
  // Lengths that all reach T: the rows map is step order itself.
  check({ mode: 'gru', T: 3, B: 5, I: 7, H: 32, lengths: [3, 3, 3, 3, 3] }, 373);
  check({ mode: 'gru', T: 4, B: 6, I: 7, H: 16, reverse: true, lengths: [4, 4, 4, 4, 4, 4] }, 374);
});

test('native sequence kernels: weight gradients made chunk by chunk of steps (many chunks, 1-row chunks)', { skip }, () => {
  // Chunks of about 256 rows: T*B well past that, B not dividing it; B > 256: one step a chunk.
  // H a multiple of 16 takes GRU's shared r, z columns on every instruction set.
  check({ mode: 'gru', T: 40, B: 17, I: 20, H: 16, h0: true }, 380);
  check({ mode: 'gru', T: 40, B: 17, I: 20, H: 16, reverse: true }, 381);
  check({ mode: 'gru', T: 33, B: 9, I: 11, H: 13, lengths: [33, 1, 20, 7, 33, 2, 30, 12, 5] }, 382);
  check({ mode: 'gru', T: 3, B: 300, I: 5, H: 16 }, 383);
  check({ mode: 'lstm', T: 30, B: 11, I: 6, H: 9, P: 5, reverse: true }, 384);
  check({ mode: 'lstm', T: 29, B: 10, I: 6, H: 12, reverse: true, lengths: [29, 3, 17, 1, 29, 8, 20, 2, 11, 28] }, 385);
  check({ mode: 'rnn', T: 40, B: 9, I: 4, H: 33, act: 'tanh', reverse: true }, 386);
});

test('native sequence kernels: gradients left out (frozen weights, no dx)', { skip }, () => {
  // Without dx the packed dXg of a rows map with lengths covers all steps at once.
  const lengths = [30, 1, 2, 30, 17, 9, 30, 3, 25, 30, 4];
  const gru: Case = { mode: 'gru', T: 30, B: 11, I: 10, H: 16, lengths };
  check(gru, 390, ['dx']);
  check(gru, 391, ['dWHh', 'dBIh']);
  check(gru, 392, ['dWIh', 'dBHh']);
  check({ ...gru, lengths: undefined }, 393, ['dWHh']);
  check({ ...gru, lengths: undefined, reverse: true }, 394, ['dWIh', 'dx']);
  check({ mode: 'lstm', T: 30, B: 11, I: 10, H: 16, reverse: true, lengths }, 395, ['dx', 'dBHh']);
  check({ mode: 'rnn', T: 30, B: 11, I: 10, H: 16, reverse: true }, 396, ['dWHh', 'dBIh', 'dBHh']);
});

test('native sequence kernels: 1 and 2 threads give identical results', { skip }, () => {
  const lengths = Array.from({ length: 19 }, (_, i) => 1 + (i * 11) % 30);
  for (const [c, omit] of [
    [{ mode: 'lstm', T: 6, B: 32, I: 20, H: 48, P: 24, h0: true, c0: true, lengths: Array.from({ length: 32 }, (_, i) => 1 + (i * 7) % 6) }, []],
    [{ mode: 'gru', T: 5, B: 19, I: 9, H: 33, reverse: true }, []],
    [{ mode: 'gru', T: 4, B: 64, I: 100, H: 128 }, []],
    [{ mode: 'rnn', T: 7, B: 64, I: 70, H: 130, act: 'relu' }, []],
    // Several chunks of steps, reverse without lengths, GRU's shared r, z columns; with lengths
    // and no dx, dXg packed for all steps.
    [{ mode: 'gru', T: 13, B: 64, I: 100, H: 128, reverse: true }, []],
    [{ mode: 'gru', T: 30, B: 19, I: 9, H: 32, h0: true }, []],
    [{ mode: 'gru', T: 30, B: 19, I: 9, H: 33, lengths }, []],
    [{ mode: 'gru', T: 30, B: 19, I: 9, H: 32, lengths }, ['dx']],
    // A batch too small to split: one thread runs the steps, both the products.
    [{ mode: 'gru', T: 60, B: 5, I: 9, H: 32, reverse: true }, []],
    [{ mode: 'lstm', T: 3, B: 2, I: 9, H: 16, reverse: true }, []],
  ] as [Case, GradName[]][]) assertSameOnOneAndTwoThreads(c, 400, omit);
});

test('native sequence kernels: a rows map that crosses batch rows is refused', { skip }, () => {
  const spec: SequenceSpec = { mode: 'rnn', T: 2, B: 2, I: 1, H: 1, P: 1, activation: 'tanh', negativeSlope: 0,
    rows: Int32Array.from([0, 1, 3, 3]) };
  const w = { wIh: new Float32Array(1), wHh: new Float32Array(1), bIh: null, bHh: null, wHr: null };
  assert.throws(() => native!.sequenceForward(spec, new Float32Array(4), null, null, w, new Float32Array(4),
    new Float32Array(2), null, false), /rows\[2\] = 3 is not -1 or a row t\*B \+ 0 of \[T=2, B=2\]/);
});

test('native sequence kernels: saved activations reused with stale NaNs never reach a result', { skip }, () => {
  // Backward hands the forward pass's buffers back to a pool and the next pass of the same shapes
  // takes them unzeroed: fill them with NaN from a pass on NaN inputs, then check a clean pass.
  for (const c of [
    { mode: 'lstm', T: 6, B: 3, I: 4, H: 9, P: 5, reverse: true, lengths: [4, 6, 2] },
    { mode: 'gru', T: 6, B: 5, I: 3, H: 17, lengths: [3, 6, 1, 5, 2], h0: true },
    { mode: 'rnn', T: 4, B: 2, I: 3, H: 5, act: 'relu', reverse: true, lengths: [2, 4] },
  ] as Case[]) {
    const poisoned = problem(c, 500);
    poisoned.x.fill(NaN);
    for (const k of ['wHh', 'wHr'] as const) poisoned.w[k]?.fill(NaN);
    const nan = runNative(poisoned);
    assert.ok(Number.isNaN(nan.get('hN')![0]), 'the poisoning pass really made NaNs');
    check(c, 501);
  }
});
