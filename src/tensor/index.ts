// Tensors and reverse-mode differentiation over coarse ops.
export { Tensor, type DType, type GradNode, allocate, sizeOf, shapeString } from './tensor.js';
export { backward, noGrad, record, isGradEnabled } from './autograd.js';
export { reshape, add, scale, sum, weightedSum, concatLast, transpose01, activation, sliceFlat, select0, stack0 } from './ops/basic.js';
export { linear } from './ops/linear.js';
export { embedding } from './ops/embedding.js';
export { dropout } from './ops/dropout.js';
export { recurrentLayer, type CellMode, type RecurrentWeights, type RecurrentConfig, type RecurrentResult } from './ops/recurrent.js';
