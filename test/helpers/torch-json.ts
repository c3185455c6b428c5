import assert from 'node:assert/strict';
import { Tensor, type DType } from '../../src/tensor/tensor.js';
import { assertClose } from './close.js';

// Shared pieces of the tests that compare against PyTorch fixtures stored as {shape, data}.

export interface JsonTensor { shape: number[]; data: number[] }

/** The tolerances for float32, and near-exact agreement for float64. */
export const TOLERANCE = {
  float32: { value: { atol: 1e-5, rtol: 1e-4 }, grad: { atol: 1e-4, rtol: 1e-3 } },
  float64: { value: { atol: 1e-9, rtol: 1e-7 }, grad: { atol: 1e-9, rtol: 1e-7 } },
};

export const tensorFromJson = (j: JsonTensor, dtype: DType, requiresGrad = false) => Tensor.from(j.data, j.shape, dtype, requiresGrad);

/** Same presence, shape and values (within tol) as PyTorch's tensor. */
export function compareWithTorch(label: string, actual: Tensor | null, expected: JsonTensor | null, tol: { atol: number; rtol: number }): void {
  assert.equal(actual === null, expected === null, `${label}: ${actual ? 'present' : 'missing'}, PyTorch's is ${expected ? 'present' : 'missing'}`);
  if (!actual || !expected) return;
  assert.deepEqual([...actual.shape], expected.shape, `${label}: shape`);
  assertClose(actual.data, expected.data, tol, label);
}
