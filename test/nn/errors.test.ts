import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LSTM, GRU, RNN } from '../../src/nn/rnn.js';
import { LSTMCell } from '../../src/nn/cells.js';
import { Linear } from '../../src/nn/linear.js';
import { Embedding } from '../../src/nn/embedding.js';
import { Tensor } from '../../src/tensor/tensor.js';

// Bad input is an error that names the problem, before any kernel runs.

const x = (T: number, B: number, I: number, dtype: 'float32' | 'float64' = 'float32') => Tensor.zeros([T, B, I], dtype);

test('wrong feature count names the expected and actual sizes', () => {
  const lstm = new LSTM({ inputSize: 16, hiddenSize: 4 });
  assert.throws(() => lstm.forward(x(5, 2, 7)), { message: 'LSTM: input has 7 features, layer expects 16 (x: [T=5, B=2, I=7])' });
  assert.throws(() => lstm.forward(Tensor.zeros([5, 2, 7, 1])), /LSTM: input must be \[T, B, 16\]/);
  assert.throws(() => new Linear({ inFeatures: 3, outFeatures: 2 }).forward(Tensor.zeros([4, 5])), /Linear: input has 5 features, layer expects 3/);
});

test('wrong dtype and wrong state shapes are named', () => {
  const gru = new GRU({ inputSize: 3, hiddenSize: 4, numLayers: 2 });
  assert.throws(() => gru.forward(x(2, 1, 3, 'float64')), /GRU: input is float64 but the layer's weights are float32/);
  assert.throws(() => gru.forward(x(2, 1, 3), { h0: Tensor.zeros([1, 1, 4]) }), /GRU: h0 has shape \[1, 1, 4\], expected \[2, 1, 4\]/);
  assert.throws(() => gru.forward(x(2, 1, 3), { c0: Tensor.zeros([2, 1, 4]) }), /GRU: c0 is for LSTM only/);
  const lstm = new LSTM({ inputSize: 3, hiddenSize: 4, projSize: 2 });
  assert.throws(() => lstm.forward(x(2, 3, 3), { h0: Tensor.zeros([1, 3, 4]) }), /LSTM: h0 has shape \[1, 3, 4\], expected \[1, 3, 2\]/);
  const cell = new LSTMCell({ inputSize: 3, hiddenSize: 4 });
  assert.throws(() => cell.forward(Tensor.zeros([2, 3]), { h: Tensor.zeros([2, 5]), c: Tensor.zeros([2, 4]) }), /LSTMCell: h has shape \[2, 5\], expected \[2, 4\]/);
});

test('lengths outside 1..T, or of the wrong count, are refused', () => {
  const rnn = new RNN({ inputSize: 2, hiddenSize: 3 });
  assert.throws(() => rnn.forward(x(4, 2, 2), { lengths: [4, 0] }), { message: 'RNN: lengths[1] = 0 is outside 1..4 (T is the padded sequence length)' });
  assert.throws(() => rnn.forward(x(4, 2, 2), { lengths: [5, 1] }), /lengths\[0\] = 5 is outside 1..4/);
  assert.throws(() => rnn.forward(x(4, 2, 2), { lengths: [2.5, 1] }), /lengths\[0\] = 2.5/);
  assert.throws(() => rnn.forward(x(4, 2, 2), { lengths: [1] }), /RNN: lengths has 1 entries for a batch of 2/);
});

test('invalid options are refused at construction', () => {
  assert.throws(() => new RNN({ inputSize: 2, hiddenSize: 0 }), /RNN: hiddenSize must be a positive integer, got 0/);
  assert.throws(() => new RNN({ inputSize: 2, hiddenSize: 3, nonlinearity: 'gelu' as never }), /nonlinearity must be tanh, relu, leaky_relu or sigmoid/);
  assert.throws(() => new GRU({ inputSize: 2, hiddenSize: 3, projSize: 1 }), /projSize is supported by LSTM only/);
  assert.throws(() => new LSTM({ inputSize: 2, hiddenSize: 3, projSize: 3 }), /projSize \(3\) must be smaller than hiddenSize \(3\)/);
  assert.throws(() => new LSTM({ inputSize: 2, hiddenSize: 3, dropout: 1 }), /dropout must be in \[0, 1\)/);
});

test('state dicts: missing, unexpected and mis-shaped keys are all named', () => {
  const src = new LSTM({ inputSize: 3, hiddenSize: 4, numLayers: 2 });
  const dst = new LSTM({ inputSize: 3, hiddenSize: 4, numLayers: 2 });
  const sd = src.stateDict();
  sd.delete('bias_hh_l1');
  sd.set('weight_ih_l2', Tensor.zeros([16, 4]));
  sd.set('weight_hh_l0', Tensor.zeros([16, 5]));
  assert.throws(() => dst.loadStateDict(sd), {
    message: 'loadStateDict (LSTM): missing keys: bias_hh_l1; unexpected keys: weight_ih_l2; weight_hh_l0: checkpoint has shape [16, 5], model expects [16, 4]',
  });
});

test('embedding ids outside the vocabulary name the position', () => {
  const emb = new Embedding({ numEmbeddings: 5, embeddingDim: 2 });
  assert.throws(() => emb.forward([1, 2, 7], [3]), { message: 'Embedding: id 7 at position 2 is outside 0..4 (vocabulary size 5)' });
});
