import { GRU, LSTM, RNN, type RNNOptions } from '../../src/nn/rnn.js';
import { type DType, Tensor } from '../../src/tensor/tensor.js';
import type { Random } from '../../src/util/random.js';

/** A tensor of values uniform in [-1, 1) from rng. */
export function randTensor(shape: number[], rng: Random, dtype: DType = 'float32', requiresGrad = false): Tensor {
  const t = Tensor.zeros(shape, dtype, requiresGrad);
  for (let i = 0; i < t.size; i++) t.data[i] = rng.uniform(-1, 1);
  return t;
}

export type RecurrentKind = 'rnn' | 'lstm' | 'gru';

/** The recurrent module of a kind. */
export function makeRecurrent(kind: RecurrentKind, o: RNNOptions): RNN | LSTM | GRU {
  return kind === 'rnn' ? new RNN(o) : kind === 'lstm' ? new LSTM(o) : new GRU(o);
}
