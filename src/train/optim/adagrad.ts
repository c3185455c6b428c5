import type { Buf } from '../../kernels/kernels.js';
import type { Tensor } from '../../tensor/tensor.js';
import { Optimizer, checkNonNegative } from './optimizer.js';
import { type AdagradHyper, adagradUpdate } from './updates.js';

export interface AdagradOptions {
  /** Default 0.01. */
  lr?: number;
  /** Default 0: the rate at step t is lr / (1 + (t - 1)·lrDecay). */
  lrDecay?: number;
  /** Default 0. */
  weightDecay?: number;
  /** Starting value of the sum of squared gradients; default 0. */
  initialAccumulatorValue?: number;
  /** Default 1e-10. */
  eps?: number;
}

/** Adagrad, torch.optim.Adagrad. */
export class Adagrad extends Optimizer<AdagradHyper> {
  readonly type = 'Adagrad';
  protected readonly bufferNames = ['sum'];

  constructor(params: Iterable<Tensor>, opts: AdagradOptions = {}) {
    const h: AdagradHyper = { lr: opts.lr ?? 0.01, lrDecay: opts.lrDecay ?? 0, weightDecay: opts.weightDecay ?? 0,
      initialAccumulatorValue: opts.initialAccumulatorValue ?? 0, eps: opts.eps ?? 1e-10 };
    for (const k of ['lr', 'lrDecay', 'weightDecay', 'initialAccumulatorValue', 'eps'] as const) checkNonNegative('Adagrad', k, h[k]);
    super(params, h);
  }

  protected update(index: number, param: Buf, grad: Buf, step: number): void {
    const { buf } = this.buffer(index, 'sum', this.hyper.initialAccumulatorValue);
    adagradUpdate(param, grad, buf, step, this.hyper);
  }
}
