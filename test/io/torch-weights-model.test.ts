import { test } from 'node:test';
import { loadStateDictFile } from '../../src/io/safetensors-file.js';
import { GRU, LSTM } from '../../src/nn/rnn.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { assertClose } from '../helpers/close.js';
import { fixturePath, loadFixture } from '../helpers/fixtures.js';

// A state dict that PyTorch saved as safetensors loads into our layers unchanged and reproduces
// the outputs PyTorch recorded for the same input (scripts/fixtures/safetensors_fixture.py).

interface Recorded { shape: number[]; values: number[] }
interface IO { x: Recorded; output: Recorded; h_n: Recorded; c_n?: Recorded }

const tol = { atol: 1e-5, rtol: 1e-4 };

test('PyTorch LSTM(3, 4, num_layers=2, bidirectional=True) weights from safetensors reproduce its outputs', () => {
  const io = loadFixture<IO>('safetensors/torch_lstm_io.json');
  const lstm = new LSTM({ inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true });
  lstm.loadStateDict(loadStateDictFile(fixturePath('safetensors/torch_lstm.safetensors')));
  const r = lstm.forward(Tensor.from(io.x.values, io.x.shape));
  assertClose(r.output.data, io.output.values, tol, 'output');
  assertClose(r.hN.data, io.h_n.values, tol, 'h_n');
  assertClose(r.cN!.data, io.c_n!.values, tol, 'c_n');
});

test('PyTorch GRU(3, 2) weights from safetensors reproduce its outputs', () => {
  const io = loadFixture<IO>('safetensors/torch_gru_io.json');
  const gru = new GRU({ inputSize: 3, hiddenSize: 2 });
  gru.loadStateDict(loadStateDictFile(fixturePath('safetensors/torch_gru.safetensors')));
  const r = gru.forward(Tensor.from(io.x.values, io.x.shape));
  assertClose(r.output.data, io.output.values, tol, 'output');
  assertClose(r.hN.data, io.h_n.values, tol, 'h_n');
});
