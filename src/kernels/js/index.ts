import type { Kernels } from '../kernels.js';
import { gemm } from './gemm.js';
import {
  activationBackward, activationForward, addRowVector, logSoftmaxRows, softmaxRows, sumRowsInto,
} from './elementwise.js';
import {
  gruCellBackward, gruCellForward, lstmCellBackward, lstmCellForward, rnnCellBackward, rnnCellForward,
} from './cells.js';

/** The readable reference backend: plain loops over typed arrays, float32 or float64. */
export const jsKernels: Kernels = {
  name: 'js',
  gemm,
  addRowVector,
  sumRowsInto,
  activationForward,
  activationBackward,
  softmaxRows,
  logSoftmaxRows,
  rnnCellForward,
  rnnCellBackward,
  lstmCellForward,
  lstmCellBackward,
  gruCellForward,
  gruCellBackward,
};
