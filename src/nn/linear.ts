import { linear } from '../tensor/ops/linear.js';
import { Tensor, type DType } from '../tensor/tensor.js';
import { Random } from '../util/random.js';
import { uniformTensor } from './init.js';
import { Module } from './module.js';

export interface LinearOptions {
  inFeatures: number;
  outFeatures: number;
  bias?: boolean;
  rng?: Random;
  dtype?: DType;
}

/** y = x · Wᵀ + b over the last dimension; weight [out, in], bias [out]; init uniform ±1/sqrt(in). */
export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly inFeatures: number;
  readonly outFeatures: number;

  constructor(o: LinearOptions) {
    super();
    checkPositiveInt('Linear', 'inFeatures', o.inFeatures);
    checkPositiveInt('Linear', 'outFeatures', o.outFeatures);
    this.inFeatures = o.inFeatures;
    this.outFeatures = o.outFeatures;
    const rng = o.rng ?? new Random(0);
    const bound = 1 / Math.sqrt(o.inFeatures);
    this.weight = this.registerParameter('weight', uniformTensor([o.outFeatures, o.inFeatures], bound, rng, o.dtype));
    this.bias = o.bias === false ? null : this.registerParameter('bias', uniformTensor([o.outFeatures], bound, rng, o.dtype));
  }

  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias, 'Linear');
  }
}

export function checkPositiveInt(layer: string, name: string, v: unknown): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
    throw new Error(`${layer}: ${name} must be a positive integer, got ${String(v)}`);
  }
}
