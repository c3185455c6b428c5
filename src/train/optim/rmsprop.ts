import type { Buf } from '../../kernels/kernels.js';
import type { Tensor } from '../../tensor/tensor.js';
import { Optimizer, checkNonNegative } from './optimizer.js';
import { type RmspropHyper, rmspropUpdate } from './updates.js';

export interface RmspropOptions {
  /** Default 0.01. */
  lr?: number;
  /** Smoothing constant of the squared-gradient average; default 0.99. */
  alpha?: number;
  /** Default 1e-8. */
  eps?: number;
  /** Default 0. */
  weightDecay?: number;
  /** Default 0. */
  momentum?: number;
  /** Normalise by the estimated variance instead of the raw second moment; default false. */
  centered?: boolean;
}

/** RMSprop, torch.optim.RMSprop (eps added outside the square root, as PyTorch does). */
export class RMSprop extends Optimizer<RmspropHyper> {
  readonly type = 'RMSprop';
  protected readonly bufferNames = ['square_avg', 'momentum_buffer', 'grad_avg'];

  constructor(params: Iterable<Tensor>, opts: RmspropOptions = {}) {
    const h: RmspropHyper = { lr: opts.lr ?? 0.01, alpha: opts.alpha ?? 0.99, eps: opts.eps ?? 1e-8,
      weightDecay: opts.weightDecay ?? 0, momentum: opts.momentum ?? 0, centered: opts.centered ?? false };
    for (const k of ['lr', 'alpha', 'eps', 'weightDecay', 'momentum'] as const) checkNonNegative('RMSprop', k, h[k]);
    super(params, h);
  }

  protected update(index: number, param: Buf, grad: Buf): void {
    const h = this.hyper;
    const squareAvg = this.buffer(index, 'square_avg').buf;
    const gradAvg = h.centered ? this.buffer(index, 'grad_avg').buf : null;
    const momentumBuf = h.momentum > 0 ? this.buffer(index, 'momentum_buffer').buf : null;
    rmspropUpdate(param, grad, squareAvg, gradAvg, momentumBuf, h);
  }
}
