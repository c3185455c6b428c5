// ONNX RNN/LSTM/GRU nodes as rnnkit modules: one single-layer module per node (both directions
// when bidirectional), weights moved back to PyTorch's gate order.
//   X: [T, B, I], W: [D, G*H, I], R: [D, G*H, H], B: [D, 2*G*H], sequence_lens: [B],
//   initial_h/initial_c: [D, B, H]  ->  Y: [T, D, B, H], Y_h: [D, B, H], Y_c: [D, B, H]
// What rnnkit cannot compute (peepholes, clip, input_forget, GRU with linear_before_reset = 0,
// other activations, reverse-only, layout = 1) is refused with the node and attribute named.
import { noGrad } from '../../tensor/autograd.js';
import { GRU, LSTM, RNN, type Nonlinearity, type RecurrentBase } from '../../nn/rnn.js';
import type { CellMode } from '../../tensor/ops/recurrent.js';
import { gateCount } from '../../tensor/ops/recurrent.js';
import { Tensor } from '../../tensor/tensor.js';
import type { Attributes } from './attributes.js';
import { onnxToTorchGates } from './gates.js';
import { type OnnxValue, floatValue, isFloat } from './values.js';

export interface ImportedRecurrent {
  /** The ONNX node's name. */
  readonly node: string;
  readonly op: 'RNN' | 'LSTM' | 'GRU';
  /** Single-layer rnnkit module with PyTorch parameter names (weight_ih_l0, ..._reverse). */
  readonly module: RecurrentBase;
}

const MODES: Record<string, CellMode> = { RNN: 'rnn', LSTM: 'lstm', GRU: 'gru' };
export const RECURRENT_OPS = new Set(Object.keys(MODES));
const KNOWN_ATTRS = new Set(['hidden_size', 'direction', 'activations', 'activation_alpha', 'activation_beta', 'clip', 'linear_before_reset', 'input_forget', 'layout']);
const RNN_ACTIVATIONS: Record<string, Nonlinearity> = { Tanh: 'tanh', Relu: 'relu', Sigmoid: 'sigmoid', LeakyRelu: 'leaky_relu' };
const FIXED_ACTIVATIONS: Record<string, string[]> = { LSTM: ['Sigmoid', 'Tanh', 'Tanh'], GRU: ['Sigmoid', 'Tanh'] };

function shape(dims: readonly number[]): string {
  return `[${dims.join(', ')}]`;
}

/**
 * Builds the module for a node. `constant(i)` returns input i when it is known at import time
 * (an initializer or computed from constants), null when absent, and throws when it depends on
 * the graph's inputs.
 */
export function importRecurrentNode(op: string, name: string, attrs: Attributes, inputCount: number,
  constant: (i: number, what: string) => OnnxValue | null): ImportedRecurrent {
  const where = `${op} node '${name}'`;
  const unsupported = (what: string) => new Error(`${where}: ${what} is not supported by rnnkit's importer`);
  for (const a of attrs.names()) if (!KNOWN_ATTRS.has(a)) throw unsupported(`attribute '${a}'`);
  if (attrs.has('clip')) throw unsupported(`attribute 'clip' (cell clipping at ${attrs.float('clip', 0)})`);
  if (attrs.int('input_forget', 0) !== 0) throw unsupported("attribute 'input_forget' = 1 (coupled input and forget gates)");
  if (attrs.int('layout', 0) !== 0) throw unsupported("attribute 'layout' = 1 (batch-first inside the node); use layout 0 with a Transpose");
  if (attrs.has('activation_beta')) throw unsupported("attribute 'activation_beta'");
  const direction = attrs.string('direction', 'forward');
  if (direction === 'reverse') throw unsupported("attribute 'direction' = 'reverse' (a reverse-only layer)");
  if (direction !== 'forward' && direction !== 'bidirectional') throw new Error(`${where}: unknown direction '${direction}'`);
  if (op === 'GRU' && attrs.int('linear_before_reset', 0) !== 1) {
    throw unsupported("attribute 'linear_before_reset' = 0 (reset gate applied before the hidden product; PyTorch and rnnkit use linear_before_reset = 1)");
  }
  if (op === 'LSTM' && inputCount > 7) {
    const P = constant(7, 'P');
    if (P) throw unsupported('input P (peephole weights)');
  }

  const mode = MODES[op], G = gateCount(mode), D = direction === 'bidirectional' ? 2 : 1;
  const H = attrs.int('hidden_size', 0);
  const W = constant(1, 'W'), R = constant(2, 'R'), B = inputCount > 3 ? constant(3, 'B') : null;
  if (!W || !R) throw new Error(`${where}: inputs W and R are required`);
  if (!isFloat(W) || !isFloat(R) || (B && !isFloat(B))) throw new Error(`${where}: weights must be float32`);
  const I = W.dims[2];
  if (!(H > 0)) throw new Error(`${where}: attribute hidden_size is missing or not positive`);
  const expect = (what: string, v: OnnxValue, dims: number[], text: string) => {
    if (v.dims.length !== dims.length || v.dims.some((d, i) => d !== dims[i])) {
      throw new Error(`${where}: ${what} has shape ${shape(v.dims)}, expected ${shape(dims)} (${text}, hidden_size ${H}, direction ${direction})`);
    }
  };
  expect('W', W, [D, G * H, I], `[num_directions, ${G}*hidden_size, input_size]`);
  expect('R', R, [D, G * H, H], `[num_directions, ${G}*hidden_size, hidden_size]`);
  if (B) expect('B', B, [D, 2 * G * H], `[num_directions, ${2 * G}*hidden_size]`);

  let nonlinearity: Nonlinearity | undefined, negativeSlope: number | undefined;
  const acts = attrs.strings('activations');
  if (op === 'RNN') {
    const names = acts.length ? acts : new Array<string>(D).fill('Tanh');
    if (names.length !== D) throw new Error(`${where}: activations lists ${names.length} functions, expected ${D} (one per direction)`);
    if (names.some((a) => a !== names[0])) throw unsupported(`different activations per direction (${names.join(', ')})`);
    nonlinearity = RNN_ACTIVATIONS[names[0]];
    if (!nonlinearity) throw unsupported(`activation '${names[0]}' (supported: ${Object.keys(RNN_ACTIVATIONS).join(', ')})`);
    if (nonlinearity === 'leaky_relu') {
      const alphas = attrs.floats('activation_alpha');
      negativeSlope = alphas.length ? shortestDecimalOfFloat32(alphas[0]) : 0.01;
      if (alphas.some((a) => a !== alphas[0])) throw unsupported(`different LeakyRelu alphas per direction (${alphas.join(', ')})`);
    } else if (attrs.has('activation_alpha')) {
      throw unsupported(`attribute 'activation_alpha' with activation ${names[0]}`);
    }
  } else if (acts.length) {
    const fixed = FIXED_ACTIVATIONS[op];
    const ok = acts.length === fixed.length * D && acts.every((a, i) => a === fixed[i % fixed.length]);
    if (!ok) throw unsupported(`activations [${acts.join(', ')}] (${op} computes [${fixed.join(', ')}] per direction)`);
    if (attrs.has('activation_alpha')) throw unsupported("attribute 'activation_alpha'");
  }

  const opts = { inputSize: I, hiddenSize: H, bidirectional: D === 2, bias: B !== null };
  const module = mode === 'lstm' ? new LSTM(opts) : mode === 'gru' ? new GRU(opts) : new RNN({ ...opts, nonlinearity, negativeSlope });
  module.eval();
  const state = new Map<string, Tensor>();
  const GH = G * H;
  for (let d = 0; d < D; d++) {
    const sfx = `_l0${d === 1 ? '_reverse' : ''}`;
    state.set(`weight_ih${sfx}`, new Tensor(onnxToTorchGates(mode, W.data.subarray(d * GH * I, (d + 1) * GH * I)), [GH, I]));
    state.set(`weight_hh${sfx}`, new Tensor(onnxToTorchGates(mode, R.data.subarray(d * GH * H, (d + 1) * GH * H)), [GH, H]));
    if (B) {
      state.set(`bias_ih${sfx}`, new Tensor(onnxToTorchGates(mode, B.data.subarray(2 * d * GH, (2 * d + 1) * GH)), [GH]));
      state.set(`bias_hh${sfx}`, new Tensor(onnxToTorchGates(mode, B.data.subarray((2 * d + 1) * GH, (2 * d + 2) * GH)), [GH]));
    }
  }
  module.loadStateDict(state);
  return { node: name, op: op as ImportedRecurrent['op'], module };
}

/** Runs the node: inputs in ONNX order (X, W, R, B, sequence_lens, initial_h, initial_c). */
export function runRecurrentNode(r: ImportedRecurrent, inputs: (OnnxValue | null)[]): OnnxValue[] {
  const X = inputs[0];
  const where = `${r.op} node '${r.node}'`;
  if (!X || !isFloat(X)) throw new Error(`${where}: X must be a float32 tensor`);
  if (X.dims.length !== 3) throw new Error(`${where}: X must be [seq_length, batch_size, input_size], got ${shape(X.dims)}`);
  const [T, B] = X.dims;
  const lens = inputs[4], h0 = inputs[5], c0 = inputs[6];
  const tensor = (v: OnnxValue | null | undefined) => (v ? new Tensor(Float32Array.from(v.data), v.dims) : null);
  const m = r.module, D = m.directions, H = m.hiddenSize;
  const res = noGrad(() => m.forward(new Tensor(X.data as Float32Array, X.dims), {
    h0: tensor(h0), c0: tensor(c0), lengths: lens ? Array.from(lens.data) : null,
  }));
  // [T, B, D*H] -> [T, D, B, H]
  const y = new Float32Array(T * D * B * H);
  for (let t = 0; t < T; t++) {
    for (let d = 0; d < D; d++) {
      for (let b = 0; b < B; b++) {
        const from = (t * B + b) * D * H + d * H, to = ((t * D + d) * B + b) * H;
        for (let h = 0; h < H; h++) y[to + h] = res.output.data[from + h];
      }
    }
  }
  const out = [floatValue([T, D, B, H], y), floatValue([D, B, H], Float32Array.from(res.hN.data))];
  if (res.cN) out.push(floatValue([D, B, H], Float32Array.from(res.cN.data)));
  return out;
}

/**
 * ONNX stores attributes as float32, so a slope of 0.2 arrives as 0.20000000298...; the shortest
 * decimal with the same float32 value is the number the exporter (a person, or PyTorch) wrote.
 */
function shortestDecimalOfFloat32(f: number): number {
  for (let digits = 1; digits <= 9; digits++) {
    const d = Number(f.toPrecision(digits));
    if (Math.fround(d) === Math.fround(f)) return d;
  }
  return f;
}
