// Gate-block orders: PyTorch (and rnnkit) stack LSTM gates as i,f,g,o and GRU gates as r,z,n;
// ONNX stacks them as i,o,f,c and z,r,h. Moving weights between the two is a fixed permutation
// of [H, cols] blocks, exact in both directions.
import type { CellMode } from '../../tensor/ops/recurrent.js';

/** ONNX block k holds PyTorch block TORCH_OF_ONNX[mode][k]. */
const TORCH_OF_ONNX: Record<CellMode, readonly number[]> = { rnn: [0], lstm: [0, 3, 1, 2], gru: [1, 0, 2] };

function permute(src: ArrayLike<number>, blockSize: number, order: readonly number[], out: Float32Array, outOffset: number): void {
  for (let k = 0; k < order.length; k++) {
    for (let j = 0; j < blockSize; j++) out[outOffset + k * blockSize + j] = src[order[k] * blockSize + j];
  }
}

/** PyTorch-ordered [G*H, cols] (or [G*H]) values -> ONNX order, written at `outOffset`. */
export function torchToOnnxGates(mode: CellMode, src: ArrayLike<number>, out: Float32Array, outOffset = 0): void {
  const order = TORCH_OF_ONNX[mode];
  permute(src, src.length / order.length, order, out, outOffset);
}

/** ONNX-ordered [G*H, cols] (or [G*H]) values -> PyTorch order. */
export function onnxToTorchGates(mode: CellMode, src: ArrayLike<number>): Float32Array {
  const order = TORCH_OF_ONNX[mode];
  const inverse = order.map((_, j) => order.indexOf(j));
  const out = new Float32Array(src.length);
  permute(src, src.length / order.length, inverse, out, 0);
  return out;
}

export const ONNX_OP: Record<CellMode, 'RNN' | 'LSTM' | 'GRU'> = { rnn: 'RNN', lstm: 'LSTM', gru: 'GRU' };
