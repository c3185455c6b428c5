import type { Tensor } from '../../tensor/tensor.js';
import { Adam, type AdamOptions } from './adam.js';

/**
 * AdamW, torch.optim.AdamW: Adam with decoupled weight decay (p *= 1 - lr·weightDecay before the
 * Adam step, the gradient untouched); weightDecay defaults to 1e-2.
 */
export class AdamW extends Adam {
  override readonly type: string = 'AdamW';
  protected override readonly decoupled: boolean = true;

  constructor(params: Iterable<Tensor>, opts: AdamOptions = {}) {
    super(params, { ...opts, weightDecay: opts.weightDecay ?? 1e-2 });
  }
}
