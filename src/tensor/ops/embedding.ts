import { record } from '../autograd.js';
import { Tensor, allocate } from '../tensor.js';

/**
 * Looks up rows of weight. ids: integer ids with shape `shape`, weight: [V, E] -> [...shape, E].
 * Ids outside 0..V-1 are an error naming the position.
 */
export function embedding(ids: ArrayLike<number>, shape: readonly number[], weight: Tensor, paddingIdx?: number): Tensor {
  const [V, E] = weight.shape;
  const n = ids.length;
  const y = allocate(weight.dtype, n * E);
  for (let i = 0; i < n; i++) {
    const id = ids[i];
    if (!Number.isInteger(id) || id < 0 || id >= V) {
      throw new Error(`Embedding: id ${id} at position ${i} is outside 0..${V - 1} (vocabulary size ${V})`);
    }
    y.set(weight.data.subarray(id * E, id * E + E), i * E);
  }
  return record(new Tensor(y, [...shape, E]), 'embedding', [weight], (g) => {
    const d = weight.gradBuffer();
    for (let i = 0; i < n; i++) {
      const id = ids[i];
      if (id === paddingIdx) continue;
      for (let e = 0; e < E; e++) d[id * E + e] += g[i * E + e];
    }
  });
}
