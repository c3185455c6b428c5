import type { Random } from '../../util/random.js';
import { record } from '../autograd.js';
import { Tensor, allocate } from '../tensor.js';

/** Inverted dropout: zeroes each value with probability p and scales the rest by 1/(1-p). */
export function dropout(x: Tensor, p: number, rng: Random): Tensor {
  if (!(p >= 0 && p < 1)) throw new Error(`dropout: probability must be in [0, 1), got ${p}`);
  if (p === 0) return x;
  const keep = 1 / (1 - p);
  const mask = allocate(x.dtype, x.size);
  const y = allocate(x.dtype, x.size);
  for (let i = 0; i < x.size; i++) {
    mask[i] = rng.next() >= p ? keep : 0;
    y[i] = x.data[i] * mask[i];
  }
  return record(new Tensor(y, x.shape), 'dropout', [x], (g) => {
    const d = x.gradBuffer();
    for (let i = 0; i < d.length; i++) d[i] += g[i] * mask[i];
  });
}
