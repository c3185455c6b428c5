import type { Buf } from '../../kernels/kernels.js';
import type { Tensor } from '../../tensor/tensor.js';
import { Optimizer, checkNonNegative } from './optimizer.js';
import { type AdamHyper, adamUpdate } from './updates.js';

export interface AdamOptions {
  /** Default 1e-3. */
  lr?: number;
  /** Decay rates of the first and second moments; default [0.9, 0.999]. */
  betas?: readonly [number, number];
  /** Default 1e-8. */
  eps?: number;
  /** Adam: L2 penalty added to the gradient (default 0). AdamW: decoupled decay (default 1e-2). */
  weightDecay?: number;
  /** Default false. */
  amsgrad?: boolean;
}

function adamHyper(type: string, opts: AdamOptions, defaultWeightDecay: number): AdamHyper {
  const [beta1, beta2] = opts.betas ?? [0.9, 0.999];
  const h: AdamHyper = { lr: opts.lr ?? 1e-3, beta1, beta2, eps: opts.eps ?? 1e-8,
    weightDecay: opts.weightDecay ?? defaultWeightDecay, amsgrad: opts.amsgrad ?? false };
  for (const k of ['lr', 'eps', 'weightDecay'] as const) checkNonNegative(type, k, h[k]);
  for (const k of ['beta1', 'beta2'] as const) {
    if (!(h[k] >= 0 && h[k] < 1)) throw new Error(`${type}: ${k} must be in [0, 1), got ${h[k]}`);
  }
  return h;
}

/** Adam, torch.optim.Adam (weight decay as an L2 term in the gradient). */
export class Adam extends Optimizer<AdamHyper> {
  readonly type: string = 'Adam';
  protected readonly bufferNames = ['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq'];
  protected readonly decoupled: boolean = false;

  constructor(params: Iterable<Tensor>, opts: AdamOptions = {}) {
    super(params, adamHyper(new.target.name, opts, 0));
  }

  protected update(index: number, param: Buf, grad: Buf, step: number): void {
    const expAvg = this.buffer(index, 'exp_avg').buf;
    const expAvgSq = this.buffer(index, 'exp_avg_sq').buf;
    const maxExpAvgSq = this.hyper.amsgrad ? this.buffer(index, 'max_exp_avg_sq').buf : null;
    adamUpdate(param, grad, expAvg, expAvgSq, maxExpAvgSq, step, this.hyper, this.decoupled);
  }
}
