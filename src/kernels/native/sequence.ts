import type { Buf, SequenceContext, SequenceGrads, SequenceSpec, SequenceWeights } from '../kernels.js';
import { jsKernels } from '../js/index.js';
import type { NativeAddon } from './addon.js';
import { activationCode, allF32 } from '../codes.js';
import { BufferPool } from '../buffer-pool.js';

// Host side of the native whole-layer kernels (native/src/sequence.h): the step loop runs in C++
// on the caller's Float32Arrays. With keepForBackward the activations BPTT needs (as in
// ../sequence.ts: hAll, cAll, gatesAll, hgAll, hRawAll) are Float32Arrays taken here from a pool
// and filled by the forward pass; backward gives them back (so it may run only once per forward
// pass, as in PyTorch), and a pass never backpropagated leaves them to the garbage collector.
// Float64 calls go to js.

type F32 = Float32Array;

const MODES = { rnn: 0, lstm: 1, gru: 2 } as const;

class NativeSequenceContext implements SequenceContext {
  released = false;
  constructor(readonly spec: SequenceSpec, readonly x: F32, readonly w: SequenceWeights,
    readonly hAll: F32, readonly cAll: F32 | null, readonly gatesAll: F32 | null, readonly hgAll: F32 | null,
    readonly hRawAll: F32 | null) {}
}

export function createNativeSequenceKernels(addon: NativeAddon) {
  const saved = new BufferPool();

  function sequenceForward(spec: SequenceSpec, x: Buf, h0: Buf | null, c0: Buf | null, w: SequenceWeights,
    out: Buf | null, hN: Buf, cN: Buf | null, keepForBackward: boolean): SequenceContext | null {
    if (!allF32(x, h0, c0, w.wIh, w.wHh, w.bIh, w.bHh, w.wHr, out, hN, cN)) {
      return jsKernels.sequenceForward(spec, x, h0, c0, w, out, hN, cN, keepForBackward);
    }
    const { mode, T, B, H, P } = spec;
    const N = T * B, GH = (mode === 'rnn' ? 1 : mode === 'lstm' ? 4 : 3) * H;
    const isLstm = mode === 'lstm';
    const keep = keepForBackward;
    // The kernel writes all of hAll and cAll, and every row of gatesAll, hgAll (GRU: its n part)
    // and hRawAll that backward reads, except that dW_hr multiplies all of hRawAll (by zeros in
    // the rows of ended sequences): stale values there could be NaN, so those start at zero.
    const hAll = keep ? saved.take((T + 1) * B * P) : null;
    const cAll = keep && isLstm ? saved.take((T + 1) * B * H) : null;
    const gatesAll = keep && mode !== 'rnn' ? saved.take(N * GH) : null;
    const hgAll = keep && mode === 'gru' ? saved.take(N * GH) : null;
    const hRawAll = keep && w.wHr ? saved.take(N * H) : null;
    if (hRawAll && spec.rows) hRawAll.fill(0);
    addon.sequenceForward(MODES[mode], T, B, spec.I, H, P, activationCode(spec.activation), spec.negativeSlope,
      spec.rows, x as F32, h0 as F32 | null, isLstm ? c0 as F32 | null : null, w.wIh as F32, w.wHh as F32,
      w.bIh as F32 | null, w.bHh as F32 | null, w.wHr as F32 | null, out as F32 | null, hN as F32,
      isLstm ? cN as F32 | null : null, hAll, cAll, gatesAll, hgAll, hRawAll, spec.outStride ?? P);
    return keep ? new NativeSequenceContext(spec, x as F32, w, hAll!, cAll, gatesAll, hgAll, hRawAll) : null;
  }

  function sequenceBackward(ctx: SequenceContext, dOut: Buf | null, dhN: Buf, dcN: Buf | null, grads: SequenceGrads): void {
    if (!(ctx instanceof NativeSequenceContext)) {
      jsKernels.sequenceBackward(ctx, dOut, dhN, dcN, grads);
      return;
    }
    const g = grads;
    if (!allF32(dOut, dhN, dcN, g.dx, g.dh0, g.dc0, g.dWIh, g.dWHh, g.dBIh, g.dBHh, g.dWHr)) {
      throw new Error('native sequenceBackward: the forward pass was float32, so its gradients must be Float32Arrays too');
    }
    const { spec, w } = ctx;
    if (ctx.released) {
      throw new Error(`native ${spec.mode} layer: backward ran twice for one forward pass (its saved activations were released after the first; run the forward pass again)`);
    }
    const isLstm = spec.mode === 'lstm';
    addon.sequenceBackward(MODES[spec.mode], spec.T, spec.B, spec.I, spec.H, spec.P, activationCode(spec.activation),
      spec.negativeSlope, spec.rows, ctx.x, w.wIh as F32, w.wHh as F32, w.wHr as F32 | null,
      ctx.hAll, ctx.cAll, ctx.gatesAll, ctx.hgAll, ctx.hRawAll, dOut as F32 | null, dhN as F32, isLstm ? dcN as F32 | null : null,
      g.dx as F32 | null, g.dh0 as F32 | null, isLstm ? g.dc0 as F32 | null : null, g.dWIh as F32 | null,
      g.dWHh as F32 | null, g.dBIh as F32 | null, g.dBHh as F32 | null, g.dWHr as F32 | null);
    ctx.released = true;
    saved.give(ctx.hAll, ctx.cAll, ctx.gatesAll, ctx.hgAll, ctx.hRawAll);
  }

  return { sequenceForward, sequenceBackward };
}
