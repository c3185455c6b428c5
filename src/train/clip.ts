import type { Tensor } from '../tensor/tensor.js';

// Gradient clipping over a list of parameters, PyTorch 1.13's torch.nn.utils.clip_grad_norm_ /
// clip_grad_value_. Parameters whose grad is null are left out, as in PyTorch.

/**
 * Scales all gradients together so that their total normType-norm (the norm of the
 * concatenation) is at most maxNorm: coef = maxNorm / (total + 1e-6), applied only when coef < 1.
 * Returns the total norm before clipping (0 without gradients). A non-finite total is returned as
 * is and, as PyTorch 1.13 does with error_if_nonfinite=False, still applied: an infinite norm
 * scales the gradients by 0 (the infinite entries become NaN), a NaN norm makes them all NaN.
 * normType: any p > 0, or Infinity for the largest absolute value.
 */
export function clipGradNorm(params: readonly Tensor[], maxNorm: number, normType = 2): number {
  if (!(normType > 0)) throw new Error(`clipGradNorm: normType must be > 0 or Infinity, got ${normType}`);
  const grads = params.flatMap((p) => (p.grad ? [p.grad] : []));
  if (grads.length === 0) return 0;
  let total = 0;
  if (normType === Infinity) {
    for (const g of grads) for (let i = 0; i < g.length; i++) {
      const a = Math.abs(g[i]);
      // Math.max propagates NaN, as torch.max does; a plain comparison would skip it.
      total = Math.max(total, a);
    }
  } else {
    for (const g of grads) {
      let s = 0;
      if (normType === 2) for (let i = 0; i < g.length; i++) s += g[i] * g[i];
      else if (normType === 1) for (let i = 0; i < g.length; i++) s += Math.abs(g[i]);
      else for (let i = 0; i < g.length; i++) s += Math.abs(g[i]) ** normType;
      total += s;
    }
    total = normType === 1 ? total : normType === 2 ? Math.sqrt(total) : total ** (1 / normType);
  }
  const coef = maxNorm / (total + 1e-6);
  if (coef < 1 || Number.isNaN(coef)) {
    for (const g of grads) for (let i = 0; i < g.length; i++) g[i] *= coef;
  }
  return total;
}

/** Clamps every gradient value into [-clipValue, clipValue] (NaN stays NaN). */
export function clipGradValue(params: readonly Tensor[], clipValue: number): void {
  if (!(clipValue >= 0)) throw new Error(`clipGradValue: clipValue must be >= 0, got ${clipValue}`);
  for (const p of params) {
    const g = p.grad;
    if (!g) continue;
    for (let i = 0; i < g.length; i++) {
      if (g[i] > clipValue) g[i] = clipValue;
      else if (g[i] < -clipValue) g[i] = -clipValue;
    }
  }
}
