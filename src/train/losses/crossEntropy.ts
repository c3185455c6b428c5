import { kernels } from '../../kernels/backend.js';
import type { Buf } from '../../kernels/kernels.js';
import { needsGrad, record } from '../../tensor/autograd.js';
import { type DType, Tensor, allocate, shapeString } from '../../tensor/tensor.js';
import { type Reduction, checkReduction } from './reduction.js';

// logits: [..., C], read as N = (product of the leading dims) rows of C class scores;
// targets: N class ids -> loss: [] for 'mean' / 'sum', the leading shape [...] for 'none'.
//
// Softmax cross-entropy with PyTorch's F.cross_entropy semantics (classes on the last dimension
// instead of dimension 1, so time-major [T, B, C] outputs need no transpose). For a kept row i
// with target y, mask m (1 without a mask) and class weights w (all 1 without weights):
//   nll_i    = -w[y] logp[i, y]
//   smooth_i = -Σ_c w[c] logp[i, c]
//   loss_i   = m ((1 - ε) nll_i + ε / C · smooth_i)          (ε = labelSmoothing)
// 'mean' divides the sum by Σ_i m w[y_i] over kept rows (PyTorch divides by the summed weights of
// non-ignored targets, for both terms), so ignored and masked rows change neither the numerator
// nor the denominator. All rows ignored gives 0 / 0 = NaN, as in PyTorch.

export interface CrossEntropyOptions {
  /** Default 'mean'. */
  reduction?: Reduction;
  /** Rows whose target equals this are skipped (default -100, like PyTorch). */
  ignoreIndex?: number;
  /** Per-class weights [C]. */
  weight?: ArrayLike<number>;
  /** ε in [0, 1]: the target distribution is (1 - ε) one-hot + ε / C uniform. */
  labelSmoothing?: number;
  /** Per-row weights [N], 0 for padded steps; a row with mask 0 is skipped like an ignored one. */
  mask?: ArrayLike<number>;
}

export function crossEntropy(logits: Tensor, targets: ArrayLike<number>, opts: CrossEntropyOptions = {}): Tensor {
  const reduction = opts.reduction ?? 'mean';
  checkReduction('crossEntropy', reduction);
  const ignoreIndex = opts.ignoreIndex ?? -100;
  const eps = opts.labelSmoothing ?? 0;
  const { weight, mask } = opts;
  if (logits.rank < 1) throw new Error('crossEntropy: logits must have a class dimension, got a scalar');
  const C = logits.shape[logits.rank - 1];
  const rowShape = logits.shape.slice(0, -1);
  const N = C === 0 ? 0 : logits.size / C;
  const where = `logits: ${shapeString(logits.shape)}, N=${N} rows of C=${C} classes`;
  if (C === 0) throw new Error(`crossEntropy: logits have no classes (${where})`);
  if (targets.length !== N) throw new Error(`crossEntropy: got ${targets.length} targets for ${N} rows (${where})`);
  if (weight && weight.length !== C) throw new Error(`crossEntropy: weight has ${weight.length} values, expected one per class, C=${C} (${where})`);
  if (mask && mask.length !== N) throw new Error(`crossEntropy: mask has ${mask.length} values, expected one per row, N=${N} (${where})`);
  if (!(eps >= 0 && eps <= 1)) throw new Error(`crossEntropy: labelSmoothing must be in [0, 1], got ${eps}`);

  // Checks the targets of kept rows, sums the 'mean' denominator Σ m·w[y] in double, and gives
  // the kernel Int32 targets (ignored rows as -1 when the caller's targets are another type).
  const ints = targets instanceof Int32Array && (ignoreIndex | 0) === ignoreIndex ? null : new Int32Array(N);
  let denominator = 0, kept = 0;
  for (let i = 0; i < N; i++) {
    const y = targets[i];
    const m = mask ? mask[i] : 1;
    if (y === ignoreIndex || m === 0) {
      if (ints) ints[i] = -1;
      continue;
    }
    if (!Number.isInteger(y) || y < 0 || y >= C) {
      throw new Error(`crossEntropy: target ${y} at row ${i}${positionOf(i, rowShape)} is outside 0..${C - 1} `
        + `(${where}; ignoreIndex is ${ignoreIndex})`);
    }
    if (ints) ints[i] = y;
    denominator += m * (weight ? weight[y] : 1);
    kept++;
  }
  const rowTargets = ints ?? (targets as Int32Array);
  const rowIgnore = ints ? -1 : ignoreIndex;

  // The gradient of each row's loss is computed with the loss (the softmax is at hand) and only
  // scaled by the upstream gradient in backward.
  const wantGrad = needsGrad(logits);
  const perRow = allocate(logits.dtype, N);
  const rowGrad = wantGrad ? allocate(logits.dtype, N * C) : null;
  kernels().crossEntropyForward(N, C, logits.data, rowTargets, rowIgnore, asBuf(mask, logits.dtype),
    asBuf(weight, logits.dtype), eps, perRow, rowGrad);

  let out: Tensor;
  if (reduction === 'none') {
    out = new Tensor(perRow, rowShape);
  } else {
    let total = 0;
    for (let i = 0; i < N; i++) total += perRow[i];
    out = Tensor.from([reduction === 'mean' ? total / denominator : total], [], logits.dtype);
  }

  return record(out, 'crossEntropy', [logits], (gradOut) => {
    // No kept row: nothing flows back (not even 0 · the NaN scale of an empty 'mean').
    if (!rowGrad || kept === 0) return;
    const scale = reduction === 'none' ? 1 : reduction === 'mean' ? gradOut[0] / denominator : gradOut[0];
    let rowScale: Buf | null = null;
    if (reduction === 'none') {
      // Skipped rows get exactly 0, as in PyTorch, even where the upstream gradient is NaN.
      rowScale = allocate(logits.dtype, N);
      for (let i = 0; i < N; i++) {
        if (rowTargets[i] !== rowIgnore && (!mask || mask[i] !== 0)) rowScale[i] = gradOut[i];
      }
    }
    kernels().crossEntropyBackward(N, C, rowGrad, rowScale, scale, logits.gradBuffer());
  });
}

/** values as a buffer of the logits' type (copied only when they are something else). */
function asBuf(values: ArrayLike<number> | undefined, dtype: DType): Buf | null {
  if (!values) return null;
  if (dtype === 'float32' ? values instanceof Float32Array : values instanceof Float64Array) return values as Buf;
  const buf = allocate(dtype, values.length);
  buf.set(values);
  return buf;
}

/** ' (position [t, b])' for inputs with more than one leading dimension, so a bad target can be found. */
function positionOf(row: number, rowShape: readonly number[]): string {
  if (rowShape.length < 2) return '';
  const idx: number[] = [];
  for (let d = rowShape.length - 1; d >= 0; d--) { idx.unshift(row % rowShape[d]); row = Math.floor(row / rowShape[d]); }
  return ` (position [${idx.join(', ')}])`;
}
