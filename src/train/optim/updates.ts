import { kernels } from '../../kernels/backend.js';
import type { AdagradHyper, AdamHyper, Buf, RmspropHyper, SgdHyper } from '../../kernels/kernels.js';

// The inner loop of every optimiser: one parameter tensor updated in place from its gradient and
// its state buffers (all of the parameter's length), on the backend in use. The loops are kernels
// (src/kernels/kernels.ts, reference in src/kernels/js/optim.ts); these functions compute the
// per-step scalars in double, as PyTorch does in Python, and call them. The classes around them
// only keep the state.

export type { AdagradHyper, AdamHyper, RmspropHyper, SgdHyper };

/** SGD (see Kernels.sgdUpdate); momentumBuf may be null when momentum is 0. */
export function sgdUpdate(param: Buf, grad: Buf, momentumBuf: Buf | null, initBuffer: boolean, h: SgdHyper): void {
  kernels().sgdUpdate(param, grad, momentumBuf, initBuffer, h);
}

/** Adagrad at step t (1-based): clr = lr / (1 + (t - 1)·lrDecay); sum += d²; p -= clr·d / (√sum + eps). */
export function adagradUpdate(param: Buf, grad: Buf, sum: Buf, step: number, h: AdagradHyper): void {
  kernels().adagradUpdate(param, grad, sum, h.lr / (1 + (step - 1) * h.lrDecay), h);
}

/** RMSprop (see Kernels.rmspropUpdate); gradAvg is used only when centered, momentumBuf only when momentum > 0. */
export function rmspropUpdate(param: Buf, grad: Buf, squareAvg: Buf, gradAvg: Buf | null, momentumBuf: Buf | null,
  h: RmspropHyper): void {
  kernels().rmspropUpdate(param, grad, squareAvg, gradAvg, momentumBuf, h);
}

/**
 * Adam (decoupled = false) or AdamW (decoupled = true) at step t (1-based), with PyTorch's bias
 * corrections stepSize = lr / (1 - β1^t) and √(1 - β2^t) (see Kernels.adamUpdate).
 * maxExpAvgSq is used only with amsgrad.
 */
export function adamUpdate(param: Buf, grad: Buf, expAvg: Buf, expAvgSq: Buf, maxExpAvgSq: Buf | null, step: number,
  h: AdamHyper, decoupled: boolean): void {
  const stepSize = h.lr / (1 - h.beta1 ** step);
  const bias2Sqrt = Math.sqrt(1 - h.beta2 ** step);
  kernels().adamUpdate(param, grad, expAvg, expAvgSq, maxExpAvgSq, h, decoupled, stepSize, bias2Sqrt);
}
