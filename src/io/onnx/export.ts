// rnnkit models -> ONNX. One ONNX RNN/LSTM/GRU node per layer (all directions of a layer in one
// node), gate blocks reordered to ONNX's order, biases as [Wb, Rb]:
//
//   input x: [T, B, I] (batchFirst: [B, T, I]; with an embedding: ids [T, B] int64)
//   -> per layer l:  Y_l: [T, D, B, H] --Transpose(0,2,1,3)+Reshape--> [T, B, D*H]
//   -> output [T, B, D*H] (or head logits/probabilities [T, B, V]),
//      h_n [D*L, B, H] (Concat of each layer's Y_h), c_n for LSTM.
//
// Optional graph inputs: h0/c0 [D*L, B, H] (sliced per layer) and lengths [B] int32, wired to
// every node's sequence_lens (ONNX gives the same padding semantics as rnnkit's lengths).
import type { Embedding } from '../../nn/embedding.js';
import type { Linear } from '../../nn/linear.js';
import { RecurrentBase } from '../../nn/rnn.js';
import { gateCount } from '../../tensor/ops/recurrent.js';
import { type AttrValue, type Dim, GraphBuilder } from './builder.js';
import { ONNX_OP, torchToOnnxGates } from './gates.js';
import { DataType, type ModelProto, encodeModel } from './proto.js';

/** A model made of an optional Embedding, a recurrent stack and an optional Linear head (CharLM fits). */
export interface RecurrentStack {
  embedding?: Embedding | null;
  rnn: RecurrentBase;
  head?: Linear | null;
}

export type ExportableModel = RecurrentBase | RecurrentStack;

export interface OnnxExportOptions {
  /** Fixed sequence length, or 'dynamic' (default): a symbolic dimension 'T'. */
  seqLen?: number | 'dynamic';
  /** Fixed batch size, or 'dynamic' (default): a symbolic dimension 'B'. */
  batch?: number | 'dynamic';
  /** Adds Softmax over the head's logits; the output is then 'probs' instead of 'logits'. */
  includeSoftmax?: boolean;
  /** Adds graph inputs 'h0' (and 'c0' for LSTM), [D*numLayers, B, H]; zeros are ONNX's default otherwise. */
  initialStates?: boolean;
  /** Adds the graph input 'lengths' [B] int32 (ONNX sequence_lens): per-sequence lengths in 1..T. */
  sequenceLengths?: boolean;
  /** ONNX opset, 13..21; default 14. */
  opset?: number;
  /** Stored in the model's metadata_props (e.g. the config and vocabulary). */
  metadata?: Record<string, string>;
}

export const DEFAULT_OPSET = 14;

const ACTIVATION: Record<string, string> = { tanh: 'Tanh', relu: 'Relu', sigmoid: 'Sigmoid', leaky_relu: 'LeakyRelu' };

function asStack(model: ExportableModel): RecurrentStack {
  if (model instanceof RecurrentBase) return { rnn: model };
  if (model && (model as RecurrentStack).rnn instanceof RecurrentBase) return model;
  throw new Error('exportOnnx: the model must be an RNN, LSTM or GRU, or an object with { embedding?, rnn, head? } such as CharLM');
}

function dim(name: string, v: number | 'dynamic' | undefined, what: string): Dim {
  if (v === undefined || v === 'dynamic') return name;
  if (!Number.isInteger(v) || v < 1) throw new Error(`exportOnnx: ${what} must be a positive integer or 'dynamic', got ${String(v)}`);
  return v;
}

function irVersionFor(opset: number): number {
  return opset <= 18 ? 8 : opset <= 20 ? 9 : 10;
}

/** The model as an ONNX file (bytes of a ModelProto). */
export function exportOnnx(model: ExportableModel, opts: OnnxExportOptions = {}): Uint8Array {
  const { embedding, rnn, head } = asStack(model);
  const opset = opts.opset ?? DEFAULT_OPSET;
  if (!Number.isInteger(opset) || opset < 13 || opset > 21) throw new Error(`exportOnnx: opset must be 13..21, got ${opset}`);
  if (rnn.projSize) {
    throw new Error(`exportOnnx: LSTM with projSize ${rnn.projSize} cannot be exported: ONNX's LSTM operator has no projection (weight_hr); export a model without projSize`);
  }
  const dtype = rnn.stateDict().get('weight_ih_l0')!.dtype;
  if (dtype !== 'float32') throw new Error(`exportOnnx: only float32 models can be exported, this one is ${dtype}`);
  if (opts.includeSoftmax && !head) throw new Error('exportOnnx: includeSoftmax needs a model with a Linear head');
  if (embedding && embedding.weight.shape[1] !== rnn.inputSize) {
    throw new Error(`exportOnnx: embedding dimension ${embedding.weight.shape[1]} does not match the recurrent inputSize ${rnn.inputSize}`);
  }
  if (head && head.inFeatures !== rnn.directions * rnn.outSize) {
    throw new Error(`exportOnnx: head expects ${head.inFeatures} features but the recurrent output has ${rnn.directions * rnn.outSize}`);
  }

  const g = new GraphBuilder();
  const T = dim('T', opts.seqLen, 'seqLen'), B = dim('B', opts.batch, 'batch');
  const D = rnn.directions, L = rnn.numLayers, H = rnn.hiddenSize, G = gateCount(rnn.mode);
  const outer: Dim[] = rnn.batchFirst ? [B, T] : [T, B];

  let x: string;
  if (embedding) {
    const ids = g.input('ids', DataType.INT64, outer);
    const table = g.floats('embedding.weight', embedding.weight.shape, embedding.weight.data);
    x = g.node('Gather', [table, ids], [g.fresh('embedded')], { axis: 0 })[0];
  } else {
    x = g.input('input', DataType.FLOAT, [...outer, rnn.inputSize]);
  }
  if (rnn.batchFirst) x = g.node('Transpose', [x], [g.fresh('time_major')], { perm: [1, 0, 2] })[0];
  const h0 = opts.initialStates ? g.input('h0', DataType.FLOAT, [D * L, B, H]) : '';
  const c0 = opts.initialStates && rnn.mode === 'lstm' ? g.input('c0', DataType.FLOAT, [D * L, B, H]) : '';
  const lengths = opts.sequenceLengths ? g.input('lengths', DataType.INT32, [B]) : '';

  const state = rnn.stateDict();
  const hs: string[] = [], cs: string[] = [];
  for (let l = 0; l < L; l++) {
    const inSize = l === 0 ? rnn.inputSize : D * H;
    const W = new Float32Array(D * G * H * inSize), R = new Float32Array(D * G * H * H), Bias = new Float32Array(D * 2 * G * H);
    for (let d = 0; d < D; d++) {
      const sfx = `_l${l}${d === 1 ? '_reverse' : ''}`;
      torchToOnnxGates(rnn.mode, state.get(`weight_ih${sfx}`)!.data, W, d * G * H * inSize);
      torchToOnnxGates(rnn.mode, state.get(`weight_hh${sfx}`)!.data, R, d * G * H * H);
      if (rnn.bias) {
        torchToOnnxGates(rnn.mode, state.get(`bias_ih${sfx}`)!.data, Bias, d * 2 * G * H);
        torchToOnnxGates(rnn.mode, state.get(`bias_hh${sfx}`)!.data, Bias, d * 2 * G * H + G * H);
      }
    }
    const prefix = `rnn.l${l}`;
    const inputs = [x, g.floats(`${prefix}.W`, [D, G * H, inSize], W), g.floats(`${prefix}.R`, [D, G * H, H], R),
      rnn.bias ? g.floats(`${prefix}.B`, [D, 2 * G * H], Bias) : '', lengths,
      h0 && layerSlice(g, h0, l, D, L), c0 && layerSlice(g, c0, l, D, L)];
    while (inputs[inputs.length - 1] === '') inputs.pop();
    const attrs: Record<string, AttrValue> = { hidden_size: H };
    if (D === 2) attrs.direction = 'bidirectional';
    if (rnn.mode === 'rnn') {
      attrs.activations = new Array<string>(D).fill(ACTIVATION[rnn.nonlinearity]);
      if (rnn.nonlinearity === 'leaky_relu') attrs.activation_alpha = { floats: new Array<number>(D).fill(rnn.negativeSlope) };
    }
    if (rnn.mode === 'gru') attrs.linear_before_reset = 1;
    const single = L === 1;
    const outs = [g.fresh(`${prefix}.Y`), single ? 'h_n' : g.fresh(`${prefix}.Y_h`)];
    if (rnn.mode === 'lstm') outs.push(single ? 'c_n' : g.fresh(`${prefix}.Y_c`));
    g.node(ONNX_OP[rnn.mode], inputs, outs, attrs);
    hs.push(outs[1]);
    if (rnn.mode === 'lstm') cs.push(outs[2]);
    x = D === 1
      ? g.node('Squeeze', [outs[0], g.int64s('axis1', [1])], [g.fresh(`${prefix}.out`)])[0]
      : g.node('Reshape', [g.node('Transpose', [outs[0]], [g.fresh(`${prefix}.TBDH`)], { perm: [0, 2, 1, 3] })[0], g.int64s('shape_TB_', [0, 0, -1])], [g.fresh(`${prefix}.out`)])[0];
  }
  if (L > 1) {
    g.node('Concat', hs, ['h_n'], { axis: 0 });
    if (cs.length) g.node('Concat', cs, ['c_n'], { axis: 0 });
  }

  let finalName = 'output', features = D * H;
  if (head) {
    const wt = transpose2d(head.weight.data, head.outFeatures, head.inFeatures);
    x = g.node('MatMul', [x, g.floats('head.weight_t', [head.inFeatures, head.outFeatures], wt)], [g.fresh('head.matmul')])[0];
    if (head.bias) x = g.node('Add', [x, g.floats('head.bias', [head.outFeatures], head.bias.data)], [g.fresh('head.logits')])[0];
    if (opts.includeSoftmax) x = g.node('Softmax', [x], [g.fresh('head.probs')], { axis: -1 })[0];
    finalName = opts.includeSoftmax ? 'probs' : 'logits';
    features = head.outFeatures;
  }
  const perm = rnn.batchFirst ? { perm: [1, 0, 2] } : null;
  g.node(perm ? 'Transpose' : 'Identity', [x], [finalName], perm ?? {});
  g.output(finalName, DataType.FLOAT, [...outer, features]);
  g.output('h_n', DataType.FLOAT, [D * L, B, H]);
  if (rnn.mode === 'lstm') g.output('c_n', DataType.FLOAT, [D * L, B, H]);

  const proto: ModelProto = {
    ir_version: irVersionFor(opset),
    opset_import: [{ domain: '', version: opset }],
    producer_name: 'rnnkit',
    producer_version: '0.1.0',
    graph: { name: 'rnnkit', node: g.nodes, initializer: g.initializers, input: g.inputs, output: g.outputs },
    metadata_props: Object.entries(opts.metadata ?? {}).map(([key, value]) => ({ key, value })),
  };
  return encodeModel(proto);
}

/** h0/c0 rows [l*D, (l+1)*D) for layer l; the whole tensor when there is one layer. */
function layerSlice(g: GraphBuilder, state: string, l: number, D: number, L: number): string {
  if (L === 1) return state;
  return g.node('Slice', [state, g.int64s('starts', [l * D]), g.int64s('ends', [(l + 1) * D]), g.int64s('axes', [0])],
    [g.fresh(`${state}.l${l}`)])[0];
}

function transpose2d(src: ArrayLike<number>, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = src[r * cols + c];
  return out;
}
