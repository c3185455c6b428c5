import type { Random } from '../util/random.js';
import { Tensor, type DType, sizeOf } from '../tensor/tensor.js';

/** A tensor of values drawn uniformly from [-bound, bound] (PyTorch's default for RNNs and Linear). */
export function uniformTensor(shape: readonly number[], bound: number, rng: Random, dtype: DType = 'float32'): Tensor {
  const t = Tensor.zeros(shape, dtype);
  for (let i = 0; i < sizeOf(shape); i++) t.data[i] = rng.uniform(-bound, bound);
  return t;
}

/** A tensor of standard-normal values (PyTorch's default for Embedding). */
export function normalTensor(shape: readonly number[], rng: Random, dtype: DType = 'float32'): Tensor {
  const t = Tensor.zeros(shape, dtype);
  for (let i = 0; i < sizeOf(shape); i++) t.data[i] = rng.normal();
  return t;
}
