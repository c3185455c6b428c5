import type { Tensor } from '../tensor/tensor.js';

/** Training produced a NaN or an infinity; the message names the step and the tensor. */
export class NonFiniteError extends Error {
  constructor(readonly step: number, readonly tensorName: string, detail: string) {
    super(`step ${step}: ${tensorName} ${detail}; training stopped (the last checkpoint is kept). ` +
      'Try a lower learning rate or gradient clipping (--clip).');
    this.name = 'NonFiniteError';
  }
}

/** Throws NonFiniteError naming the first parameter whose gradient holds NaN or Inf. */
export function assertFiniteGradients(step: number, params: readonly [string, Tensor][]): void {
  for (const [name, p] of params) {
    const g = p.grad;
    if (!g) continue;
    for (let i = 0; i < g.length; i++) {
      if (!Number.isFinite(g[i])) {
        throw new NonFiniteError(step, `the gradient of ${name}`, `holds ${g[i]} (first at index ${i} of ${g.length})`);
      }
    }
  }
}

export function assertFiniteLoss(step: number, loss: number): void {
  if (!Number.isFinite(loss)) throw new NonFiniteError(step, 'the loss', `is ${loss}`);
}
