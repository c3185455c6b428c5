import { kernels } from '../../kernels/backend.js';
import { record } from '../autograd.js';
import { Tensor, allocateUnset } from '../tensor.js';

/**
 * Looks up rows of weight. ids: integer ids with shape `shape`, weight: [V, E] -> [...shape, E].
 * Ids outside 0..V-1 are an error naming the position. The gradient adds each position's row
 * into its id's row of weight's gradient, except at paddingIdx (as PyTorch's padding_idx).
 */
export function embedding(ids: ArrayLike<number>, shape: readonly number[], weight: Tensor, paddingIdx?: number): Tensor {
  const [V, E] = weight.shape;
  const n = ids.length;
  const rowIds = checkedIds(ids, V);
  const k = kernels();
  const y = allocateUnset(weight.dtype, n * E);
  k.gatherRows(V, E, weight.data, n, rowIds, y);
  return record(new Tensor(y, [...shape, E]), 'embedding', [weight], (g) => {
    k.scatterAddRows(V, E, g, n, rowIds, paddingIdx ?? -1, weight.gradBuffer());
  });
}

// The ids as the kernels take them, after checking each is a row of the table.
function checkedIds(ids: ArrayLike<number>, V: number): Int32Array {
  const out = ids instanceof Int32Array ? ids : new Int32Array(ids.length);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (!Number.isInteger(id) || id < 0 || id >= V) {
      throw new Error(`Embedding: id ${id} at position ${i} is outside 0..${V - 1} (vocabulary size ${V})`);
    }
    if (out !== ids) out[i] = id;
  }
  return out;
}
