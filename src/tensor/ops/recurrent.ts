import type { Activation, Buf, SequenceSpec } from '../../kernels/kernels.js';
import { kernels } from '../../kernels/backend.js';
import { jsKernels } from '../../kernels/js/index.js';
import { needsGrad, record } from '../autograd.js';
import { type DType, Tensor, allocate, allocateUnset, dtypeOf } from '../tensor.js';

// One recurrent layer, one direction, over a whole sequence, as a single op whose backward is
// backpropagation through time written by hand.
//
//   x: [T, B, I], h0: [B, P], c0: [B, H] (LSTM)  ->  output: [T, B, P], hN: [B, P], cN: [B, H]
//   wIh: [G*H, I], wHh: [G*H, P], bIh, bHh: [G*H], wHr: [P, H] (LSTM projection; else P = H)
//   G = 1 (RNN), 4 (LSTM: i,f,g,o), 3 (GRU: r,z,n)
//
// The work is the backend's sequence kernel (src/kernels/sequence.ts for the reference): the
// input projection hoisted into one GEMM, one fused cell kernel per step, weight gradients as one
// GEMM each over all steps.
//
// Steps run in "step order": step s of sequence b reads time t = s (forward) or len_b-1-s
// (reverse). Steps s >= len_b are inactive: the state is carried unchanged and the output is 0,
// which gives pack_padded_sequence semantics for any (unsorted) lengths.

export type CellMode = 'rnn' | 'lstm' | 'gru';

export interface RecurrentWeights {
  wIh: Tensor;
  wHh: Tensor;
  bIh: Tensor | null;
  bHh: Tensor | null;
  wHr: Tensor | null;
}

export interface RecurrentConfig {
  mode: CellMode;
  hiddenSize: number;
  /** RNN only. */
  activation: Activation;
  negativeSlope: number;
  reverse: boolean;
  /** Per-sequence lengths in 1..T, or null for all T. */
  lengths: Int32Array | null;
}

export interface RecurrentResult {
  output: Tensor;
  hN: Tensor;
  cN: Tensor | null;
}

/**
 * Where recurrentLayerInto writes the output: row r (of the [T*B] time-major rows) at
 * buf[r*stride, r*stride + P). A bidirectional layer's two directions write their halves of
 * one [T, B, 2P] output so (buf: the output from column d*P on, stride: 2P), with no copy.
 */
export interface StridedOutput { buf: Buf; stride: number }

/** recurrentLayerInto's results: the output is the caller's; its gradient goes to `outputGrad`. */
export interface RecurrentIntoResult {
  hN: Tensor;
  cN: Tensor | null;
  /**
   * When the layer records for backward: the op's node, for the tensor the caller builds over
   * the output to list as its parent, and `set`, to hand it the output's gradient as a
   * contiguous [T*B*P] buffer from that tensor's backward.
   */
  outputGrad: { node: Tensor; set(dOut: Buf): void } | null;
}

/** One layer run as diagnostics see it (src/gradlab/state-grads.ts). */
export interface ObservedLayerRun {
  x: Tensor; h0: Tensor | null; c0: Tensor | null;
  weights: RecurrentWeights; config: RecurrentConfig; spec: SequenceSpec;
}

/** Returns a [T, B, P] buffer for the backward pass to add dL/dh per time step into, or null. */
export type LayerRunObserver = (run: ObservedLayerRun) => Buf | null;

let layerObserver: LayerRunObserver | null = null;

/** Installs the observer called by every recording layer run; returns the previous one. */
export function setLayerRunObserver(observer: LayerRunObserver | null): LayerRunObserver | null {
  const previous = layerObserver;
  layerObserver = observer;
  return previous;
}

export function gateCount(mode: CellMode): number {
  return mode === 'rnn' ? 1 : mode === 'lstm' ? 4 : 3;
}

/**
 * SequenceSpec.rows: the row of the [T*B] time-major layout that step s of sequence b reads, or
 * -1 once that sequence has ended; null when every step s reads time s.
 */
export function stepRows(T: number, B: number, lengths: ArrayLike<number> | null | undefined, reverse: boolean): Int32Array | null {
  if (!lengths && !reverse) return null;
  const rows = new Int32Array(T * B);
  for (let s = 0; s < T; s++) {
    for (let b = 0; b < B; b++) {
      const len = lengths ? lengths[b] : T;
      rows[s * B + b] = s < len ? (reverse ? len - 1 - s : s) * B + b : -1;
    }
  }
  return rows;
}

/** One layer in one direction over the whole sequence; the output is a fresh [T, B, P] tensor. */
export function recurrentLayer(x: Tensor, h0: Tensor | null, c0: Tensor | null,
  w: RecurrentWeights, cfg: RecurrentConfig): RecurrentResult {
  const [T, B] = x.shape;
  const P = outSize(w, cfg);
  const out = allocateUnset(x.dtype, T * B * P);
  const r = runLayer(x, h0, c0, w, cfg, { buf: out, stride: P });
  const output = new Tensor(out, [T, B, P]);
  const g = r.outputGrad;
  if (g) record(output, `${cfg.mode}-layer-output`, [g.node], (dOut) => g.set(dOut));
  return { output, hN: r.hN, cN: r.cN };
}

/** recurrentLayer writing its output into the caller's strided rows (see StridedOutput). */
export function recurrentLayerInto(x: Tensor, h0: Tensor | null, c0: Tensor | null,
  w: RecurrentWeights, cfg: RecurrentConfig, into: StridedOutput): RecurrentIntoResult {
  const [T, B] = x.shape;
  const P = outSize(w, cfg);
  if (into.stride < P || dtypeOf(into.buf) !== x.dtype || into.buf.length < (T * B - 1) * into.stride + P) {
    throw new Error(`recurrentLayerInto: the output buffer (${into.buf.length} ${dtypeOf(into.buf)} values, row stride ${into.stride}) cannot hold ${T * B} rows of ${P} ${x.dtype} values`);
  }
  return runLayer(x, h0, c0, w, cfg, into);
}

/**
 * One layer in one direction, its final state only: the per-step output is never written (for
 * layers whose output nothing reads, like a classifier's last layer).
 */
export function recurrentLayerState(x: Tensor, h0: Tensor | null, c0: Tensor | null,
  w: RecurrentWeights, cfg: RecurrentConfig): { hN: Tensor; cN: Tensor | null } {
  const { hN, cN } = runLayer(x, h0, c0, w, cfg, null);
  return { hN, cN };
}

function outSize(w: RecurrentWeights, cfg: RecurrentConfig): number {
  return w.wHr ? w.wHr.shape[0] : cfg.hiddenSize;
}

function runLayer(x: Tensor, h0: Tensor | null, c0: Tensor | null, w: RecurrentWeights, cfg: RecurrentConfig,
  into: StridedOutput | null): RecurrentIntoResult {
  const [T, B, I] = x.shape;
  const H = cfg.hiddenSize;
  const P = outSize(w, cfg);
  const isLstm = cfg.mode === 'lstm';
  const spec: SequenceSpec = {
    mode: cfg.mode, T, B, I, H, P, activation: cfg.activation, negativeSlope: cfg.negativeSlope,
    rows: stepRows(T, B, cfg.lengths, cfg.reverse), outStride: into?.stride ?? P,
  };
  const inputs = [x, h0, c0, w.wIh, w.wHh, w.bIh, w.bHh, w.wHr];
  // hN and cN are views of one buffer: a single allocation.
  const packed = allocate(x.dtype, B * P + (isLstm ? B * H : 0));
  const hN = packed.subarray(0, B * P);
  const cN = isLstm ? packed.subarray(B * P) : null;
  const weights = { wIh: w.wIh.data, wHh: w.wHh.data, bIh: w.bIh?.data ?? null, bHh: w.bHh?.data ?? null, wHr: w.wHr?.data ?? null };
  const keep = needsGrad(...inputs);
  const dhSteps = keep && layerObserver ? layerObserver({ x, h0, c0, weights: w, config: cfg, spec }) : null;
  // A backend that cannot fill dhSteps runs this one layer on the reference kernels.
  const k = dhSteps && !kernels().supportsDhSteps ? jsKernels : kernels();
  const ctx = k.sequenceForward(spec, x.data, h0?.data ?? null, c0?.data ?? null, weights, into?.buf ?? null, hN, cN, keep);

  const hNT = new Tensor(hN, [B, P]);
  const cNT = cN ? new Tensor(cN, [B, H]) : null;
  if (!ctx) return { hN: hNT, cN: cNT, outputGrad: null };
  // The three results are separate tensors so that one without a gradient (usually the output
  // of a layer whose final state alone is used) costs no zero-filled [T, B, P] buffer: each
  // passes its gradient to a one-value join tensor whose backward, run after all three (it is
  // their parent), does backpropagation through time once; a missing state gradient reads as
  // zeros, a missing output gradient is passed as null (the kernels then skip it).
  let dOut: Buf | null = null, dhN: Buf | null = null, dcN: Buf | null = null;
  const join = new Tensor(allocate(x.dtype, 1), [1]);
  const grad = (t: Tensor | null) => (t && t.requiresGrad ? t.gradBuffer() : null);
  record(join, `${cfg.mode}-layer`, inputs, () => {
    k.sequenceBackward(ctx, dOut, dhN ?? sharedZeros(x.dtype, B * P),
      isLstm ? dcN ?? sharedZeros(x.dtype, B * H) : null, {
        dx: grad(x), dh0: grad(h0), dc0: grad(c0), dWIh: grad(w.wIh), dWHh: grad(w.wHh),
        dBIh: grad(w.bIh), dBHh: grad(w.bHh), dWHr: grad(w.wHr), dhSteps,
      });
    dOut = dhN = dcN = null;
  });
  record(hNT, `${cfg.mode}-layer-hN`, [join], (g) => { dhN = g; join.gradBuffer(); });
  if (cNT) record(cNT, `${cfg.mode}-layer-cN`, [join], (g) => { dcN = g; join.gradBuffer(); });
  return { hN: hNT, cN: cNT, outputGrad: { node: join, set(g) { dOut = g; join.gradBuffer(); } } };
}

const zeroBuffers: Partial<Record<DType, Buf>> = {};

/** n zeros from one buffer per dtype kept at the largest size asked for: the sequence kernels only read their result gradients. */
function sharedZeros(dtype: DType, n: number): Buf {
  let z = zeroBuffers[dtype];
  if (!z || z.length < n) zeroBuffers[dtype] = z = allocate(dtype, n);
  return z.subarray(0, n);
}
