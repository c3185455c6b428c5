import type { Activation, SequenceSpec } from '../../src/kernels/kernels.js';
import type { Random } from '../../src/util/random.js';

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
