import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SequenceGrads } from '../../src/kernels/kernels.js';
import { kernels } from '../../src/kernels/backend.js';
import { type SequenceCase, rand, sequenceInputs } from '../helpers/sequence-case.js';

// What every backend's sequenceBackward promises (src/kernels/kernels.ts), on the backend under
// test: dOut = null (an output with no gradient) gives exactly what an all-zero dOut gives, and a
// second backward for one forward pass is refused.

test('sequenceBackward with dOut = null equals dOut = zeros, on the backend under test', () => {
  const k = kernels();
  for (const c of [
    { mode: 'gru', T: 5, B: 6, I: 7, H: 9, reverse: true },
    { mode: 'lstm', T: 4, B: 5, I: 3, H: 8, P: 5, lengths: [4, 1, 3, 2, 4], h0: true, c0: true },
    { mode: 'rnn', T: 3, B: 2, I: 4, H: 6 },
  ] as SequenceCase[]) {
    const { rng, spec, x, h0, c0, w, P, GH, N } = sequenceInputs(c, 700);
    const { T, B, H, I } = spec;
    const dhN = rand(B * P, rng, 1), dcN = c.mode === 'lstm' ? rand(B * H, rng, 1) : null;
    const run = (dOut: Float32Array | null) => {
      const out = new Float32Array(T * B * P), hN = new Float32Array(B * P);
      const cN = c.mode === 'lstm' ? new Float32Array(B * H) : null;
      const ctx = k.sequenceForward(spec, x, h0, c0, w, out, hN, cN, true)!;
      const g = { dx: new Float32Array(N * I), dh0: h0 ? new Float32Array(B * P) : null, dc0: c0 ? new Float32Array(B * H) : null,
        dWIh: new Float32Array(GH * I), dWHh: new Float32Array(GH * P), dBIh: new Float32Array(GH), dBHh: new Float32Array(GH),
        dWHr: w.wHr ? new Float32Array(P * H) : null };
      k.sequenceBackward(ctx, dOut, dhN, dcN, g as unknown as SequenceGrads);
      return g;
    };
    const withNull = run(null), withZeros = run(new Float32Array(N * P));
    for (const [name, v] of Object.entries(withZeros)) {
      if (!v) continue;
      assert.deepEqual(withNull[name as keyof typeof withNull], v, `${k.name} ${c.mode} ${name}`);
      assert.ok(v.some((e: number) => e !== 0), `${k.name} ${c.mode} ${name} is not trivially zero`);
    }
  }
});

test('sequenceBackward refuses a second call for one forward pass, on the backend under test', () => {
  const k = kernels();
  const { rng, spec, x, w, P, GH } = sequenceInputs({ mode: 'gru', T: 3, B: 6, I: 4, H: 5 }, 710);
  const { T, B } = spec;
  const ctx = k.sequenceForward(spec, x, null, null, w, new Float32Array(T * B * P), new Float32Array(B * P), null, true)!;
  const g = { dx: null, dh0: null, dc0: null, dWIh: null, dWHh: new Float32Array(GH * P), dBIh: null, dBHh: null, dWHr: null };
  const dhN = rand(B * P, rng, 1);
  k.sequenceBackward(ctx, null, dhN, null, g as unknown as SequenceGrads);
  assert.throws(() => k.sequenceBackward(ctx, null, dhN, null, g as unknown as SequenceGrads), /backward ran twice/i);
});
