import { CharLM, type CharLMConfig } from '../../src/apps/charlm/model.js';
import { exportOnnx, type ExportableModel, type OnnxExportOptions } from '../../src/io/onnx/export.js';
import type { OnnxFeed } from '../../src/io/onnx/import.js';
import { GRU, LSTM, RNN, type RNNOptions, type RecurrentBase } from '../../src/nn/rnn.js';
import { noGrad } from '../../src/tensor/autograd.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { Random } from '../../src/util/random.js';

// Shared by the ONNX tests: small models covering every exported option, inputs for them, and
// rnnkit's own outputs under the graph's output names.

export interface OnnxCase {
  name: string;
  model: ExportableModel;
  options: OnnxExportOptions;
  feeds: Record<string, OnnxFeed>;
  /** rnnkit's outputs, by ONNX output name. */
  expected: Record<string, Tensor>;
}

const T = 5, B = 3;

function uniform(n: number, rng: Random, lo = -1, hi = 1): Float32Array {
  return Float32Array.from({ length: n }, () => rng.uniform(lo, hi));
}

function recurrentCase(name: string, make: (o: RNNOptions) => RecurrentBase, o: Omit<RNNOptions, 'inputSize' | 'hiddenSize'>,
  extra: { states?: boolean; lengths?: number[] } = {}): OnnxCase {
  const rng = new Random(name.length * 7919 + 1);
  const m = make({ inputSize: 4, hiddenSize: 3, rng, ...o });
  m.eval();
  const D = m.directions * m.numLayers, H = m.hiddenSize;
  const xDims = m.batchFirst ? [B, T, 4] : [T, B, 4];
  const x = uniform(T * B * 4, rng);
  const feeds: Record<string, OnnxFeed> = { input: { dims: xDims, data: x } };
  const h0 = extra.states ? uniform(D * B * H, rng) : null, c0 = extra.states && m.mode === 'lstm' ? uniform(D * B * H, rng) : null;
  if (h0) feeds.h0 = { dims: [D, B, H], data: h0 };
  if (c0) feeds.c0 = { dims: [D, B, H], data: c0 };
  if (extra.lengths) feeds.lengths = { dims: [B], data: Int32Array.from(extra.lengths) };
  const r = noGrad(() => m.forward(new Tensor(x, xDims), {
    h0: h0 && new Tensor(h0, [D, B, H]), c0: c0 && new Tensor(c0, [D, B, H]), lengths: extra.lengths ?? null,
  }));
  const expected: Record<string, Tensor> = { output: r.output, h_n: r.hN };
  if (r.cN) expected.c_n = r.cN;
  return { name, model: m, options: { initialStates: extra.states, sequenceLengths: !!extra.lengths }, feeds, expected };
}

function charLMCase(name: string, config: CharLMConfig, softmax: boolean, states: boolean): OnnxCase {
  const rng = new Random(name.length + 11);
  const model = new CharLM(config, rng);
  model.eval();
  const ids = Array.from({ length: T * B }, () => Math.floor(rng.uniform(0, config.vocabSize)));
  const D = config.numLayers, H = config.hiddenSize;
  const h0 = states ? uniform(D * B * H, rng) : null, c0 = states && config.cell === 'lstm' ? uniform(D * B * H, rng) : null;
  const r = noGrad(() => model.forward(ids, T, B, h0 ? { h: new Tensor(h0, [D, B, H]), c: c0 && new Tensor(c0, [D, B, H]) } : null));
  let out = r.logits;
  if (softmax) {
    const p = new Float32Array(out.size), V = config.vocabSize;
    for (let i = 0; i < out.size; i += V) {
      const row = Array.from(out.data.subarray(i, i + V)), max = Math.max(...row);
      const sum = row.reduce((s, v) => s + Math.exp(v - max), 0);
      row.forEach((v, j) => { p[i + j] = Math.exp(v - max) / sum; });
    }
    out = new Tensor(p, out.shape);
  }
  const feeds: Record<string, OnnxFeed> = { ids: { dims: [T, B], data: BigInt64Array.from(ids.map(BigInt)) } };
  if (h0) feeds.h0 = { dims: [D, B, H], data: h0 };
  if (c0) feeds.c0 = { dims: [D, B, H], data: c0 };
  const expected: Record<string, Tensor> = { [softmax ? 'probs' : 'logits']: out, h_n: r.state.h };
  if (r.state.c) expected.c_n = r.state.c;
  return { name, model, options: { includeSoftmax: softmax, initialStates: states }, feeds, expected };
}

const rnn = (o: RNNOptions) => new RNN(o), lstm = (o: RNNOptions) => new LSTM(o), gru = (o: RNNOptions) => new GRU(o);
const unsorted = [3, 5, 1];

/** Every cell type and option the exporter supports. */
export function onnxCases(): OnnxCase[] {
  return [
    recurrentCase('RNN tanh', rnn, {}),
    recurrentCase('RNN relu, 2 layers, bidirectional', rnn, { nonlinearity: 'relu', numLayers: 2, bidirectional: true }),
    recurrentCase('RNN sigmoid', rnn, { nonlinearity: 'sigmoid' }),
    recurrentCase('RNN leaky_relu 0.2, initial state', rnn, { nonlinearity: 'leaky_relu', negativeSlope: 0.2 }, { states: true }),
    recurrentCase('RNN tanh, bias off, unsorted lengths', rnn, { bias: false }, { lengths: unsorted }),
    recurrentCase('LSTM', lstm, {}),
    recurrentCase('LSTM 2 layers bidirectional, states, unsorted lengths', lstm, { numLayers: 2, bidirectional: true }, { states: true, lengths: unsorted }),
    recurrentCase('LSTM bias off, batch-first', lstm, { bias: false, batchFirst: true }, { states: true }),
    recurrentCase('GRU', gru, {}),
    recurrentCase('GRU 2 layers bidirectional, unsorted lengths', gru, { numLayers: 2, bidirectional: true }, { lengths: unsorted }),
    recurrentCase('GRU bias off, batch-first, states, lengths', gru, { bias: false, batchFirst: true, numLayers: 2 }, { states: true, lengths: unsorted }),
    charLMCase('CharLM LSTM, softmax head, states', { vocabSize: 7, embeddingDim: 4, cell: 'lstm', hiddenSize: 5, numLayers: 2, dropout: 0.1 }, true, true),
    charLMCase('CharLM GRU, logits', { vocabSize: 6, embeddingDim: 3, cell: 'gru', hiddenSize: 4, numLayers: 1, dropout: 0 }, false, false),
    charLMCase('CharLM RNN relu, softmax', { vocabSize: 5, embeddingDim: 3, cell: 'rnn', nonlinearity: 'relu', hiddenSize: 4, numLayers: 2, dropout: 0 }, true, false),
  ];
}

export function exportCase(c: OnnxCase): Uint8Array {
  return exportOnnx(c.model, c.options);
}
