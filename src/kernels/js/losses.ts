import type { Buf } from '../kernels.js';

// Softmax cross-entropy of the Kernels interface (documented there), in double. For a kept row
// with a = (1 - ε)·m·w[y] and b = ε / C·m, the gradient wrt logit k is
//   a·(p_k - [k = y]) + b·(W·p_k - w_k),   W = Σ_c w_c,
// from d(-logp_y)/dz_k = p_k - [k = y] and d(-Σ_c w_c logp_c)/dz_k = W·p_k - w_k.

export function crossEntropyForward(N: number, C: number, logits: Buf, targets: Int32Array, ignoreIndex: number,
  mask: Buf | null, weight: Buf | null, labelSmoothing: number, loss: Buf, grad: Buf | null): void {
  const eps = labelSmoothing;
  let weightSum = C;
  if (weight) { weightSum = 0; for (let c = 0; c < C; c++) weightSum += weight[c]; }
  for (let i = 0; i < N; i++) {
    const o = i * C;
    const y = targets[i];
    const m = mask ? mask[i] : 1;
    if (y === ignoreIndex || m === 0) {
      loss[i] = 0;
      if (grad) grad.fill(0, o, o + C);
      continue;
    }
    let max = -Infinity;
    for (let c = 0; c < C; c++) if (logits[o + c] > max) max = logits[o + c];
    let sum = 0;
    for (let c = 0; c < C; c++) sum += Math.exp(logits[o + c] - max);
    const logSum = Math.log(sum);
    // -logp_c = logSum - (x_c - max) >= 0: the smoothing sum has no cancellation.
    const a = (1 - eps) * m * (weight ? weight[y] : 1);
    const b = (eps / C) * m;
    let rowLoss = a * (logSum - (logits[o + y] - max));
    if (eps > 0) {
      let smooth = 0;
      for (let c = 0; c < C; c++) smooth += (weight ? weight[c] : 1) * (logSum - (logits[o + c] - max));
      rowLoss += b * smooth;
    }
    loss[i] = rowLoss;
    if (!grad) continue;
    const inv = 1 / sum;
    for (let k = 0; k < C; k++) {
      const p = Math.exp(logits[o + k] - max) * inv;
      grad[o + k] = a * (k === y ? p - 1 : p) + b * (weightSum * p - (weight ? weight[k] : 1));
    }
  }
}

export function crossEntropyBackward(N: number, C: number, grad: Buf, rowScale: Buf | null, scale: number, dx: Buf): void {
  for (let i = 0; i < N; i++) {
    const s = rowScale ? scale * rowScale[i] : scale;
    const o = i * C;
    for (let k = 0; k < C; k++) dx[o + k] += s * grad[o + k];
  }
}
