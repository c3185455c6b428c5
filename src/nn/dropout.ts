import { dropout } from '../tensor/ops/dropout.js';
import type { Tensor } from '../tensor/tensor.js';
import { Random } from '../util/random.js';
import { Module } from './module.js';

/** Inverted dropout, active only in training mode. */
export class Dropout extends Module {
  constructor(readonly p: number, private readonly rng: Random = new Random(0)) {
    super();
    if (!(p >= 0 && p < 1)) throw new Error(`Dropout: p must be in [0, 1), got ${p}`);
  }

  forward(x: Tensor): Tensor {
    return this.training && this.p > 0 ? dropout(x, this.p, this.rng) : x;
  }
}
