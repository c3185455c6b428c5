import type { Kernels } from '../kernels.js';
import { createSequenceKernels } from '../sequence.js';
import { gemm } from './gemm.js';
import {
  activationBackward, activationForward, addRowVector, logSoftmaxRows, softmaxRows, sumRowsInto,
} from './elementwise.js';
import {
  gruCellBackward, gruCellForward, lstmCellBackward, lstmCellForward, rnnCellBackward, rnnCellForward,
} from './cells.js';
import { adagradUpdate, adamUpdate, rmspropUpdate, sgdUpdate } from './optim.js';
import { crossEntropyBackward, crossEntropyForward } from './losses.js';
import { gatherRows, scatterAddRows } from './rows.js';

const stepKernels = {
  gemm,
  addRowVector,
  sumRowsInto,
  gatherRows,
  scatterAddRows,
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
  sgdUpdate,
  adagradUpdate,
  rmspropUpdate,
  adamUpdate,
  crossEntropyForward,
  crossEntropyBackward,
};

/** The readable reference backend: plain loops over typed arrays, float32 or float64. */
export const jsKernels: Kernels = {
  name: 'js',
  ...stepKernels,
  ...createSequenceKernels(stepKernels),
};
