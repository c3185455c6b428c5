import { kernels } from '../../kernels/backend.js';
import { record } from '../autograd.js';
import { Tensor, allocate, shapeString } from '../tensor.js';

/**
 * y = x · Wᵀ + b, applied to the last dimension.
 * x: [..., I], weight: [O, I], bias: [O] or null -> y: [..., O].
 */
export function linear(x: Tensor, weight: Tensor, bias: Tensor | null, who = 'linear'): Tensor {
  const [O, I] = weight.shape;
  const inF = x.shape[x.rank - 1];
  if (x.rank < 1 || inF !== I) {
    throw new Error(`${who}: input has ${inF} features, layer expects ${I} (x: ${shapeString(x.shape)}, weight: ${shapeString(weight.shape)})`);
  }
  if (x.dtype !== weight.dtype) throw new Error(`${who}: input is ${x.dtype} but weight is ${weight.dtype}`);
  const k = kernels();
  const N = x.size / I;
  const y = allocate(x.dtype, N * O);
  k.gemm(false, true, N, O, I, 1, x.data, weight.data, 0, y);
  if (bias) k.addRowVector(N, O, bias.data, y);
  return record(new Tensor(y, [...x.shape.slice(0, -1), O]), 'linear', [x, weight, bias], (g) => {
    if (x.requiresGrad) k.gemm(false, false, N, I, O, 1, g, weight.data, 1, x.gradBuffer());
    if (weight.requiresGrad) k.gemm(true, false, O, I, N, 1, g, x.data, 1, weight.gradBuffer());
    if (bias && bias.requiresGrad) k.sumRowsInto(N, O, g, bias.gradBuffer());
  });
}
