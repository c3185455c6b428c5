import { record } from '../../tensor/autograd.js';
import { Tensor, shapeString } from '../../tensor/tensor.js';
import { type Reduction, checkReduction } from './reduction.js';

// logits, targets: [..., C] (same shape) -> loss: [] for 'mean' / 'sum', [..., C] for 'none'.
//
// Sigmoid binary cross-entropy on logits (multi-label outputs), PyTorch's
// F.binary_cross_entropy_with_logits. With l = 1 + (posWeight[c] - 1) y:
//   loss = (1 - y) x + l · softplus(-x),   softplus(-x) = log(1 + e^{-|x|}) + max(-x, 0)
// which never exponentiates a large positive number. 'mean' divides by the element count.
//   d/dx = (1 - y) - l σ(-x)          d/dy = -x + (posWeight - 1) softplus(-x)

export interface BceWithLogitsOptions {
  /** Default 'mean'. */
  reduction?: Reduction;
  /** Weight of positive examples, one per class (last dimension) or one for all. */
  posWeight?: number | ArrayLike<number>;
}

export function binaryCrossEntropyWithLogits(logits: Tensor, targets: Tensor, opts: BceWithLogitsOptions = {}): Tensor {
  const reduction = opts.reduction ?? 'mean';
  checkReduction('binaryCrossEntropyWithLogits', reduction);
  if (logits.shape.length !== targets.shape.length || logits.shape.some((d, i) => d !== targets.shape[i])) {
    throw new Error(`binaryCrossEntropyWithLogits: targets ${shapeString(targets.shape)} must have the shape of logits ${shapeString(logits.shape)}`);
  }
  const n = logits.size;
  const C = logits.rank === 0 ? 1 : logits.shape[logits.rank - 1];
  const pw = opts.posWeight;
  if (pw !== undefined && typeof pw !== 'number' && pw.length !== C) {
    throw new Error(`binaryCrossEntropyWithLogits: posWeight has ${pw.length} values, expected one per class, C=${C} (logits: ${shapeString(logits.shape)})`);
  }
  const posWeightAt = (e: number): number => pw === undefined ? 1 : typeof pw === 'number' ? pw : pw[e % C];
  const x = logits.data, y = targets.data;

  const perElement = new Float64Array(n);
  let total = 0;
  for (let e = 0; e < n; e++) {
    const l = 1 + (posWeightAt(e) - 1) * y[e];
    perElement[e] = (1 - y[e]) * x[e] + l * softplusNeg(x[e]);
    total += perElement[e];
  }
  const out = reduction === 'none'
    ? Tensor.from(perElement, logits.shape, logits.dtype)
    : Tensor.from([reduction === 'mean' ? total / n : total], [], logits.dtype);

  return record(out, 'binaryCrossEntropyWithLogits', [logits, targets], (gradOut) => {
    const dx = logits.requiresGrad ? logits.gradBuffer() : null;
    const dy = targets.requiresGrad ? targets.gradBuffer() : null;
    const scale = reduction === 'mean' ? 1 / n : 1;
    for (let e = 0; e < n; e++) {
      const g = (reduction === 'none' ? gradOut[e] : gradOut[0]) * scale;
      const p = posWeightAt(e);
      if (dx) dx[e] += g * ((1 - y[e]) - (1 + (p - 1) * y[e]) * sigmoidNeg(x[e]));
      if (dy) dy[e] += g * (-x[e] + (p - 1) * softplusNeg(x[e]));
    }
  });
}

/** log(1 + e^{-x}), stable for any x. */
function softplusNeg(x: number): number {
  return Math.log1p(Math.exp(-Math.abs(x))) + Math.max(-x, 0);
}

/** σ(-x) = 1 / (1 + e^{x}), stable for any x. */
function sigmoidNeg(x: number): number {
  if (x <= 0) return 1 / (1 + Math.exp(x));
  const e = Math.exp(-x);
  return e / (1 + e);
}
