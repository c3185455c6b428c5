import type { Tensor } from '../../tensor/tensor.js';
import { Adagrad } from './adagrad.js';
import { Adam } from './adam.js';
import { AdamW } from './adamw.js';
import type { Optimizer } from './optimizer.js';
import { RMSprop } from './rmsprop.js';
import { SGD } from './sgd.js';

export const OPTIMIZER_NAMES = ['adam', 'adamw', 'sgd', 'rmsprop', 'adagrad'] as const;
export type OptimizerName = (typeof OPTIMIZER_NAMES)[number];

/** An optimiser by name with a learning rate and weight decay (other settings: PyTorch's defaults). */
export function createOptimizer(name: string, params: Tensor[], o: { lr: number; weightDecay?: number; momentum?: number }): Optimizer {
  const weightDecay = o.weightDecay;
  switch (name) {
    case 'adam': return new Adam(params, { lr: o.lr, weightDecay });
    case 'adamw': return new AdamW(params, { lr: o.lr, weightDecay });
    case 'sgd': return new SGD(params, { lr: o.lr, weightDecay, momentum: o.momentum ?? 0 });
    case 'rmsprop': return new RMSprop(params, { lr: o.lr, weightDecay });
    case 'adagrad': return new Adagrad(params, { lr: o.lr, weightDecay });
    default: throw new Error(`unknown optimizer '${name}': choose one of ${OPTIMIZER_NAMES.join(', ')}`);
  }
}
