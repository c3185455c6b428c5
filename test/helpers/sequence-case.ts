import type { Activation, SequenceSpec, SequenceWeights } from '../../src/kernels/kernels.js';
import { stepRows } from '../../src/tensor/ops/recurrent.js';
import { Random } from '../../src/util/random.js';

// Shared by the tests that compare a backend's whole-layer sequence kernels with the reference.

export interface SequenceCase {
  mode: SequenceSpec['mode']; T: number; B: number; I: number; H: number; P?: number;
  act?: Activation; reverse?: boolean; lengths?: number[]; h0?: boolean; c0?: boolean; bias?: boolean;
}

/** n float32 values uniform in [-scale, scale). */
export function rand(n: number, rng: Random, scale: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.uniform(-scale, scale);
  return a;
}

export const f64 = (a: Float32Array | null) => (a ? Float64Array.from(a) : null);

/** A layer's float32 weights in float64, for the js reference driver. */
export function weights64(w: { wIh: Float32Array; wHh: Float32Array; bIh: Float32Array | null; bHh: Float32Array | null; wHr: Float32Array | null }): SequenceWeights {
  return { wIh: f64(w.wIh)!, wHh: f64(w.wHh)!, bIh: f64(w.bIh), bHh: f64(w.bHh), wHr: f64(w.wHr) };
}

/** The weights of a case in float32 (biases and projection null where the case has none). */
export interface CaseWeights {
  wIh: Float32Array; wHh: Float32Array; bIh: Float32Array | null; bHh: Float32Array | null; wHr: Float32Array | null;
}

/**
 * Random inputs of one case: its spec (rows map from lengths/reverse), x, h0, c0 and weights;
 * rng is left where it stopped, for what a test draws next.
 */
export function sequenceInputs(c: SequenceCase, seed: number) {
  const rng = new Random(seed);
  const { mode, T, B, I, H } = c;
  const P = c.P ?? H;
  const G = mode === 'rnn' ? 1 : mode === 'lstm' ? 4 : 3, GH = G * H, N = T * B;
  const spec: SequenceSpec = { mode, T, B, I, H, P, activation: c.act ?? 'tanh', negativeSlope: 0.1,
    rows: stepRows(T, B, c.lengths, c.reverse ?? false) };
  const s = 1 / Math.sqrt(H);
  const x = rand(N * I, rng, 1), h0 = c.h0 ? rand(B * P, rng, 1) : null, c0 = c.c0 ? rand(B * H, rng, 1) : null;
  const w: CaseWeights = { wIh: rand(GH * I, rng, s), wHh: rand(GH * P, rng, s), bIh: c.bias === false ? null : rand(GH, rng, s),
    bHh: c.bias === false ? null : rand(GH, rng, s), wHr: P !== H ? rand(P * H, rng, s) : null };
  return { rng, spec, x, h0, c0, w, P, G, GH, N };
}
