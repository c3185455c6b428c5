// Layers with PyTorch's names, gate orders, shapes and defaults.
export { Module, type StateDict } from './module.js';
export { Linear, type LinearOptions } from './linear.js';
export { Embedding, type EmbeddingOptions } from './embedding.js';
export { Dropout } from './dropout.js';
export { RNN, LSTM, GRU, RecurrentBase, type RNNOptions, type ForwardOptions, type RecurrentOutput, type Nonlinearity } from './rnn.js';
export { RNNCell, LSTMCell, GRUCell, type CellOptions } from './cells.js';
