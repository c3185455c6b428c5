import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CharLM } from '../../src/apps/charlm/model.js';
import { modelFromTorch, torchConfigOf, torchStateDict } from '../../src/io/onnx/torch-handoff.js';
import { loadStateDictFile } from '../../src/io/safetensors-file.js';
import { RNN } from '../../src/nn/rnn.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { Random } from '../../src/util/random.js';
import { assertClose } from '../helpers/close.js';
import { fixturePath, loadFixture } from '../helpers/fixtures.js';

// PyTorch hand-off: state dict + config JSON in both directions.

describe('PyTorch state dict + config JSON', () => {
  test('a PyTorch-written nn.LSTM state dict with its config rebuilds the same network', () => {
    const io = loadFixture<Record<'x' | 'output' | 'h_n' | 'c_n', { shape: number[]; values: number[] }>>('safetensors/torch_lstm_io.json');
    const config = {
      format: 'rnnkit-torch/1', kind: 'recurrent', embedding: null, head: null,
      rnn: { type: 'LSTM', kwargs: { input_size: 3, hidden_size: 4, num_layers: 2, bias: true, batch_first: false, dropout: 0, bidirectional: true } },
    };
    const { rnn } = modelFromTorch(config, loadStateDictFile(fixturePath('safetensors/torch_lstm.safetensors')));
    const r = rnn.forward(Tensor.from(io.x.values, io.x.shape));
    assertClose(r.output.data, io.output.values, { atol: 1e-5, rtol: 1e-4 }, 'output');
    assertClose(r.hN.data, io.h_n.values, { atol: 1e-5, rtol: 1e-4 }, 'h_n');
    assertClose(r.cN!.data, io.c_n.values, { atol: 1e-5, rtol: 1e-4 }, 'c_n');
  });

  test('CharLM -> config + state dict -> modules with the same weights and logits', () => {
    const lm = new CharLM({ vocabSize: 6, embeddingDim: 3, cell: 'gru', hiddenSize: 4, numLayers: 2, dropout: 0.2 }, new Random(3));
    lm.eval();
    const config = JSON.parse(JSON.stringify(torchConfigOf(lm, { note: 'kept' })));
    assert.equal(config.note, 'kept');
    assert.deepEqual(config.rnn, { type: 'GRU', kwargs: { input_size: 3, hidden_size: 4, num_layers: 2, bias: true, batch_first: false, dropout: 0.2, bidirectional: false } });
    const state = torchStateDict(lm);
    assert.deepEqual([...state.keys()].slice(0, 2), ['embedding.weight', 'rnn.weight_ih_l0']);
    const back = modelFromTorch(config, state);
    const ids = [0, 5, 2, 3, 1, 4];
    const want = lm.forward(ids, 3, 2).logits;
    const got = back.head!.forward(back.rnn.forward(back.embedding!.forward(ids, [3, 2])).output);
    assert.deepEqual(Array.from(got.data), Array.from(want.data));
  });

  test('a bare module is written without prefix; PyTorch-less nonlinearities and bad keys are refused', () => {
    const relu = new RNN({ inputSize: 2, hiddenSize: 3, nonlinearity: 'relu' });
    assert.deepEqual([...torchStateDict(relu).keys()], ['weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0']);
    assert.equal(torchConfigOf(relu).rnn.kwargs.nonlinearity, 'relu');
    assert.throws(() => torchConfigOf(new RNN({ inputSize: 2, hiddenSize: 3, nonlinearity: 'sigmoid' })), /torch\.nn\.RNN has no 'sigmoid' nonlinearity/);
    const state = torchStateDict(relu);
    state.delete('bias_hh_l0');
    assert.throws(() => modelFromTorch(torchConfigOf(relu), state, 'cfg.json'), /cfg\.json: the weights do not fit the config: .*missing keys: bias_hh_l0/);
    assert.throws(() => modelFromTorch({ format: 'other' }, state, 'cfg.json'), /cfg\.json: not an rnnkit PyTorch config/);
  });
});
