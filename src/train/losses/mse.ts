import { record } from '../../tensor/autograd.js';
import { Tensor, shapeString } from '../../tensor/tensor.js';
import { type Reduction, checkReduction } from './reduction.js';

// pred, target: any shape (the same) -> loss: [] for 'mean' / 'sum', pred's shape for 'none'.
// loss = (pred - target)², PyTorch's F.mse_loss; 'mean' divides by the element count.

export interface MseOptions {
  /** Default 'mean'. */
  reduction?: Reduction;
}

export function mseLoss(pred: Tensor, target: Tensor, opts: MseOptions = {}): Tensor {
  const reduction = opts.reduction ?? 'mean';
  checkReduction('mseLoss', reduction);
  if (pred.shape.length !== target.shape.length || pred.shape.some((d, i) => d !== target.shape[i])) {
    throw new Error(`mseLoss: target ${shapeString(target.shape)} must have the shape of pred ${shapeString(pred.shape)}`);
  }
  const n = pred.size;
  const p = pred.data, t = target.data;
  const perElement = new Float64Array(n);
  let total = 0;
  for (let e = 0; e < n; e++) { const d = p[e] - t[e]; perElement[e] = d * d; total += d * d; }
  const out = reduction === 'none'
    ? Tensor.from(perElement, pred.shape, pred.dtype)
    : Tensor.from([reduction === 'mean' ? total / n : total], [], pred.dtype);

  return record(out, 'mseLoss', [pred, target], (gradOut) => {
    const dp = pred.requiresGrad ? pred.gradBuffer() : null;
    const dt = target.requiresGrad ? target.gradBuffer() : null;
    const scale = reduction === 'mean' ? 2 / n : 2;
    for (let e = 0; e < n; e++) {
      const g = (reduction === 'none' ? gradOut[e] : gradOut[0]) * scale * (p[e] - t[e]);
      if (dp) dp[e] += g;
      if (dt) dt[e] -= g;
    }
  });
}
