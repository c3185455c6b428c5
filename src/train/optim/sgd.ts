import type { Buf } from '../../kernels/kernels.js';
import type { Tensor } from '../../tensor/tensor.js';
import { Optimizer, checkNonNegative } from './optimizer.js';
import { type SgdHyper, sgdUpdate } from './updates.js';

export interface SgdOptions {
  lr: number;
  /** Default 0. */
  momentum?: number;
  /** Default 0. */
  dampening?: number;
  /** L2 penalty added to the gradient; default 0. */
  weightDecay?: number;
  /** Default false; needs momentum > 0 and dampening 0. */
  nesterov?: boolean;
}

/** Stochastic gradient descent with optional (Nesterov) momentum, torch.optim.SGD. */
export class SGD extends Optimizer<SgdHyper> {
  readonly type = 'SGD';
  protected readonly bufferNames = ['momentum_buffer'];

  constructor(params: Iterable<Tensor>, opts: SgdOptions) {
    const h: SgdHyper = { lr: opts.lr, momentum: opts.momentum ?? 0, dampening: opts.dampening ?? 0,
      weightDecay: opts.weightDecay ?? 0, nesterov: opts.nesterov ?? false };
    for (const k of ['lr', 'momentum', 'dampening', 'weightDecay'] as const) checkNonNegative('SGD', k, h[k]);
    if (h.nesterov && (h.momentum <= 0 || h.dampening !== 0)) {
      throw new Error(`SGD: nesterov momentum needs momentum > 0 and dampening 0 (got momentum ${h.momentum}, dampening ${h.dampening})`);
    }
    super(params, h);
  }

  protected update(index: number, param: Buf, grad: Buf): void {
    if (this.hyper.momentum === 0) { sgdUpdate(param, grad, null, false, this.hyper); return; }
    const { buf, created } = this.buffer(index, 'momentum_buffer');
    sgdUpdate(param, grad, buf, created, this.hyper);
  }
}
