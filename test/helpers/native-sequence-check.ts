import assert from 'node:assert/strict';
import type { Buf, SequenceGrads, SequenceSpec } from '../../src/kernels/kernels.js';
import { jsKernels as js } from '../../src/kernels/js/index.js';
import { loadNativeKernels, nativeAddon } from '../../src/kernels/native/index.js';
import { assertClose } from './close.js';
import { type SequenceCase as Case, f64, rand, sequenceInputs, weights64 } from './sequence-case.js';

// The native whole-layer kernels (forward, inference and training passes, then BPTT) on one
// case, against the js reference driver run in float64 on the same float32 inputs. Shared by
// the native sequence tests.

const native = loadNativeKernels();
const addon = nativeAddon();

export interface Problem {
  spec: SequenceSpec; x: Float32Array; h0: Float32Array | null; c0: Float32Array | null;
  w: { wIh: Float32Array; wHh: Float32Array; bIh: Float32Array | null; bHh: Float32Array | null; wHr: Float32Array | null };
  dOut: Float32Array; dhN: Float32Array; dcN: Float32Array | null; grads: Record<string, Float32Array | null>;
}

/** Gradients a case may leave out (null: not wanted), as a layer with frozen parts does. */
export type GradName = 'dx' | 'dh0' | 'dc0' | 'dWIh' | 'dWHh' | 'dBIh' | 'dBHh' | 'dWHr';

export function problem(c: Case, seed: number, omit: GradName[] = []): Problem {
  const { mode, B, I, H } = c;
  const { rng, spec, x, h0, c0, w, P, GH, N } = sequenceInputs(c, seed);
  const dOut = rand(N * P, rng, 1), dhN = rand(B * P, rng, 1), dcN = mode === 'lstm' ? rand(B * H, rng, 1) : null;
  // Gradient buffers start non-zero: the kernels must add into them.
  const sizes = { dx: N * I, dh0: B * P, dc0: mode === 'lstm' ? B * H : 0, dWIh: GH * I, dWHh: GH * P,
    dBIh: c.bias === false ? 0 : GH, dBHh: c.bias === false ? 0 : GH, dWHr: P !== H ? P * H : 0 };
  const grads: Record<string, Float32Array | null> = {};
  for (const [k, n] of Object.entries(sizes)) grads[k] = n ? rand(n, rng, 1) : null;
  for (const k of omit) grads[k] = null;
  return { spec, x, h0, c0, w, dOut, dhN, dcN, grads };
}

/** Forward (training and inference passes) and backward on the native backend. */
export function runNative(p: Problem): Map<string, Float32Array> {
  const { spec, x, h0, c0, w } = p;
  const { T, B, H, P, mode } = spec;
  const out = new Float32Array(T * B * P), hN = new Float32Array(B * P), cN = mode === 'lstm' ? new Float32Array(B * H) : null;
  const ctx = native!.sequenceForward(spec, x, h0, c0, w, out, hN, cN, true)!;
  const out2 = new Float32Array(T * B * P), hN2 = new Float32Array(B * P), cN2 = cN ? new Float32Array(B * H) : null;
  assert.equal(native!.sequenceForward(spec, x, h0, c0, w, out2, hN2, cN2, false), null);
  assert.deepEqual(out2, out, 'the inference pass gives the training pass\'s output');
  assert.deepEqual(hN2, hN);
  const grads = Object.fromEntries(Object.entries(p.grads).map(([k, v]) => [k, v ? v.slice() : null]));
  native!.sequenceBackward(ctx, p.dOut, p.dhN, p.dcN, grads as unknown as SequenceGrads);
  const res = new Map<string, Float32Array>([['out', out], ['hN', hN]]);
  if (cN) res.set('cN', cN);
  for (const [k, v] of Object.entries(grads)) if (v) res.set(k, v);
  return res;
}

export function runReference(p: Problem): Map<string, Buf> {
  const { spec, x, h0, c0, w } = p;
  const { T, B, H, P, mode } = spec;
  const w64 = weights64(w);
  const out = new Float64Array(T * B * P), hN = new Float64Array(B * P), cN = mode === 'lstm' ? new Float64Array(B * H) : null;
  const ctx = js.sequenceForward(spec, f64(x)!, f64(h0), f64(c0), w64, out, hN, cN, true)!;
  const grads = Object.fromEntries(Object.entries(p.grads).map(([k, v]) => [k, f64(v)]));
  js.sequenceBackward(ctx, f64(p.dOut)!, f64(p.dhN)!, f64(p.dcN), grads as unknown as SequenceGrads);
  const res = new Map<string, Buf>([['out', out], ['hN', hN]]);
  if (cN) res.set('cN', cN);
  for (const [k, v] of Object.entries(grads)) if (v) res.set(k, v);
  return res;
}

export function check(c: Case, seed: number, omit: GradName[] = []): void {
  const p = problem(c, seed, omit);
  const expected = runReference(p);
  const best = addon!.isa();
  try {
    for (const isa of addon!.supportedIsas()) {
      addon!.setIsa(isa);
      const actual = runNative(p);
      for (const [k, e] of expected) {
        const tol = k === 'out' || k === 'hN' || k === 'cN' ? { atol: 2e-5, rtol: 1e-4 } : { atol: 1e-4, rtol: 1e-4 };
        assertClose(actual.get(k)!, e, tol, `${isa} ${JSON.stringify(c)} ${k}`);
      }
    }
  } finally {
    addon!.setIsa(best);
  }
}

/** The case run at 1 and at 2 native threads gives bit-identical outputs and gradients. */
export function assertSameOnOneAndTwoThreads(c: Case, seed: number, omit: GradName[] = []): void {
  const before = native!.threads!();
  try {
    const p = problem(c, seed, omit);
    native!.setThreads!(1);
    const one = runNative(p);
    native!.setThreads!(2);
    const two = runNative(p);
    for (const [k, v] of one) assert.deepEqual(two.get(k), v, `${JSON.stringify(c)} ${k}`);
  } finally {
    native!.setThreads!(before);
  }
}
