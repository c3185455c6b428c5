import type { Activation, Buf } from '../kernels/kernels.js';
import { reshape, select0, stack0, transpose01 } from '../tensor/ops/basic.js';
import { record } from '../tensor/autograd.js';
import { dropout } from '../tensor/ops/dropout.js';
import { type CellMode, type RecurrentIntoResult, gateCount, recurrentLayer, recurrentLayerInto, recurrentLayerState } from '../tensor/ops/recurrent.js';
import { Tensor, type DType, allocate, allocateUnset, dtypeOf, shapeString } from '../tensor/tensor.js';
import { Random } from '../util/random.js';
import { uniformTensor } from './init.js';
import { checkPositiveInt } from './linear.js';
import { Module } from './module.js';

// Multi-layer, optionally bidirectional recurrent networks with PyTorch's parameter names,
// gate orders, shapes and defaults.
//
//   input: [T, B, I] (or [B, T, I] with batchFirst, or unbatched [T, I])
//   h0: [D*L, B, P], c0: [D*L, B, H] (LSTM)
//   -> output: [T, B, D*P], hN: [D*L, B, P], cN: [D*L, B, H]
//   D = 2 if bidirectional else 1, L = numLayers, P = projSize || hiddenSize.
//
// Parameters per layer k and direction (suffix '' or '_reverse'), in PyTorch's order:
//   weight_ih_l{k}: [G*H, I_k], weight_hh_l{k}: [G*H, P], bias_ih_l{k}, bias_hh_l{k}: [G*H],
//   weight_hr_l{k}: [P, H] (LSTM with projSize). All start uniform in ±1/sqrt(H).

export type Nonlinearity = 'tanh' | 'relu' | 'leaky_relu' | 'sigmoid';

export interface RNNOptions {
  inputSize: number;
  hiddenSize: number;
  numLayers?: number;
  /** RNN only; default 'tanh'. 'leaky_relu' and 'sigmoid' go beyond PyTorch. */
  nonlinearity?: Nonlinearity;
  /** Slope of leaky_relu for negative inputs (>= 0); default 0.01. */
  negativeSlope?: number;
  bias?: boolean;
  batchFirst?: boolean;
  /** Dropout on the outputs of each layer except the last, in training mode. */
  dropout?: number;
  bidirectional?: boolean;
  /** LSTM only: project h to this size (0 = off). */
  projSize?: number;
  rng?: Random;
  dtype?: DType;
}

export interface ForwardOptions {
  h0?: Tensor | null;
  c0?: Tensor | null;
  /** Per-sequence lengths in 1..T (any order), like pack_padded_sequence. */
  lengths?: ArrayLike<number> | null;
}

export interface RecurrentOutput {
  output: Tensor;
  hN: Tensor;
  /** LSTM only. */
  cN: Tensor | null;
}

interface LayerParams {
  wIh: Tensor; wHh: Tensor; bIh: Tensor | null; bHh: Tensor | null; wHr: Tensor | null;
}

export abstract class RecurrentBase extends Module {
  readonly mode: CellMode;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly nonlinearity: Nonlinearity;
  readonly negativeSlope: number;
  readonly bias: boolean;
  readonly batchFirst: boolean;
  readonly dropout: number;
  readonly bidirectional: boolean;
  readonly projSize: number;
  private readonly layers: LayerParams[][] = [];
  private readonly rng: Random;

  protected constructor(mode: CellMode, o: RNNOptions) {
    super();
    const name = layerName(mode);
    checkPositiveInt(name, 'inputSize', o.inputSize);
    checkPositiveInt(name, 'hiddenSize', o.hiddenSize);
    checkPositiveInt(name, 'numLayers', o.numLayers ?? 1);
    this.mode = mode;
    this.inputSize = o.inputSize;
    this.hiddenSize = o.hiddenSize;
    this.numLayers = o.numLayers ?? 1;
    this.nonlinearity = o.nonlinearity ?? 'tanh';
    this.negativeSlope = o.negativeSlope ?? 0.01;
    this.bias = o.bias ?? true;
    this.batchFirst = o.batchFirst ?? false;
    this.dropout = o.dropout ?? 0;
    this.bidirectional = o.bidirectional ?? false;
    this.projSize = o.projSize ?? 0;
    this.rng = o.rng ?? new Random(0);
    if (!['tanh', 'relu', 'leaky_relu', 'sigmoid'].includes(this.nonlinearity)) {
      throw new Error(`${name}: nonlinearity must be tanh, relu, leaky_relu or sigmoid, got '${this.nonlinearity}'`);
    }
    if (mode !== 'rnn' && o.nonlinearity !== undefined) throw new Error(`${name}: nonlinearity applies to RNN only`);
    if (!(this.negativeSlope >= 0)) throw new Error(`${name}: negativeSlope must be >= 0, got ${this.negativeSlope}`);
    if (!(this.dropout >= 0 && this.dropout < 1)) throw new Error(`${name}: dropout must be in [0, 1), got ${this.dropout}`);
    if (this.projSize !== 0) {
      if (mode !== 'lstm') throw new Error(`${name}: projSize is supported by LSTM only`);
      checkPositiveInt(name, 'projSize', this.projSize);
      if (this.projSize >= this.hiddenSize) throw new Error(`${name}: projSize (${this.projSize}) must be smaller than hiddenSize (${this.hiddenSize})`);
    }

    const G = gateCount(mode), H = this.hiddenSize, P = this.outSize, D = this.directions;
    const bound = 1 / Math.sqrt(H);
    const dtype = o.dtype ?? 'float32';
    for (let l = 0; l < this.numLayers; l++) {
      const inSize = l === 0 ? this.inputSize : D * P;
      const dirs: LayerParams[] = [];
      for (let d = 0; d < D; d++) {
        const sfx = `_l${l}${d === 1 ? '_reverse' : ''}`;
        const u = (shape: number[], n: string) => this.registerParameter(n + sfx, uniformTensor(shape, bound, this.rng, dtype));
        const wIh = u([G * H, inSize], 'weight_ih');
        const wHh = u([G * H, P], 'weight_hh');
        const bIh = this.bias ? u([G * H], 'bias_ih') : null;
        const bHh = this.bias ? u([G * H], 'bias_hh') : null;
        const wHr = this.projSize ? u([P, H], 'weight_hr') : null;
        dirs.push({ wIh, wHh, bIh, bHh, wHr });
      }
      this.layers.push(dirs);
    }
  }

  get directions(): number { return this.bidirectional ? 2 : 1; }
  /** Size of h (and of each direction's output features). */
  get outSize(): number { return this.projSize || this.hiddenSize; }

  forward(input: Tensor, opts: ForwardOptions = {}): RecurrentOutput {
    const { output, hN, cN } = this.run(input, opts, true);
    return { output: output!, hN, cN };
  }

  /**
   * forward's final states alone (Keras's return_sequences=False): the last layer's per-step
   * output is never made, which saves writing [T, B, D*P] values for a model that reads only
   * hN, like a many-to-one classifier. Same numbers and gradients as forward's hN and cN.
   */
  finalState(input: Tensor, opts: ForwardOptions = {}): { hN: Tensor; cN: Tensor | null } {
    const { hN, cN } = this.run(input, opts, false);
    return { hN, cN };
  }

  private run(input: Tensor, opts: ForwardOptions, lastOutput: boolean): { output: Tensor | null; hN: Tensor; cN: Tensor | null } {
    const name = layerName(this.mode);
    const unbatched = input.rank === 2;
    if (input.rank !== 3 && !unbatched) {
      throw new Error(`${name}: input must be [T, B, ${this.inputSize}]${this.batchFirst ? ' (batch-first: [B, T, I])' : ''} or unbatched [T, ${this.inputSize}], got ${shapeString(input.shape)}`);
    }
    let x = unbatched ? reshape(input, [input.shape[0], 1, input.shape[1]]) : this.batchFirst ? transpose01(input) : input;
    const [T, B, I] = x.shape;
    if (I !== this.inputSize) {
      throw new Error(`${name}: input has ${I} features, layer expects ${this.inputSize} (x: [T=${T}, B=${B}, I=${I}])`);
    }
    if (T < 1 || B < 1) throw new Error(`${name}: input is empty (x: [T=${T}, B=${B}, I=${I}])`);
    const dtype = this.layers[0][0].wIh.dtype;
    if (x.dtype !== dtype) throw new Error(`${name}: input is ${x.dtype} but the layer's weights are ${dtype}`);
    const D = this.directions, L = this.numLayers, H = this.hiddenSize, P = this.outSize;
    const h0 = this.checkState('h0', opts.h0, [D * L, B, P], unbatched, dtype);
    const c0 = this.mode === 'lstm' ? this.checkState('c0', opts.c0, [D * L, B, H], unbatched, dtype) : null;
    if (this.mode !== 'lstm' && opts.c0) throw new Error(`${name}: c0 is for LSTM only`);
    const lengths = opts.lengths == null ? null : checkLengths(name, opts.lengths, T, B);

    const hN: Tensor[] = [], cN: Tensor[] = [];
    for (let l = 0; l < L; l++) {
      if (l > 0 && this.dropout > 0 && this.training) x = dropout(x, this.dropout, this.rng);
      const cfg = (d: number) => ({
        mode: this.mode, hiddenSize: H, activation: this.nonlinearity as Activation,
        negativeSlope: this.negativeSlope, reverse: d === 1, lengths,
      });
      const state = (t: Tensor | null, d: number) => (t ? select0(t, l * D + d) : null);
      if (l === L - 1 && !lastOutput) {
        for (let d = 0; d < D; d++) {
          const r = recurrentLayerState(x, state(h0, d), state(c0, d), this.layers[l][d], cfg(d));
          hN.push(r.hN);
          if (r.cN) cN.push(r.cN);
        }
        break;
      }
      if (D === 1) {
        const r = recurrentLayer(x, state(h0, 0), state(c0, 0), this.layers[l][0], cfg(0));
        x = r.output;
        hN.push(r.hN);
        if (r.cN) cN.push(r.cN);
        continue;
      }
      // Both directions write their halves of the layer's [T, B, 2P] output in place.
      const y = allocateUnset(dtype, T * B * 2 * P);
      const grads: RecurrentIntoResult['outputGrad'][] = [];
      for (let d = 0; d < 2; d++) {
        const r = recurrentLayerInto(x, state(h0, d), state(c0, d), this.layers[l][d], cfg(d), { buf: y.subarray(d * P), stride: 2 * P });
        hN.push(r.hN);
        if (r.cN) cN.push(r.cN);
        grads.push(r.outputGrad);
      }
      x = record(new Tensor(y, [T, B, 2 * P]), `${this.mode}-bidirectional-output`, grads.map((g) => g?.node), (g) => {
        grads.forEach((into, d) => into?.set(columnsOf(g, T * B, 2 * P, d * P, P)));
      });
    }
    let output = lastOutput ? x : null;
    let h = stack0(hN);
    let c = cN.length ? stack0(cN) : null;
    if (unbatched) {
      output = output && reshape(output, [T, D * P]);
      h = reshape(h, [D * L, P]);
      c = c ? reshape(c, [D * L, H]) : null;
    } else if (this.batchFirst) {
      output = output && transpose01(output);
    }
    return { output, hN: h, cN: c };
  }

  private checkState(which: string, t: Tensor | null | undefined, shape: number[], unbatched: boolean, dtype: DType): Tensor | null {
    if (!t) return null;
    const want = unbatched ? [shape[0], shape[2]] : shape;
    if (t.rank !== want.length || t.shape.some((d, i) => d !== want[i])) {
      throw new Error(`${layerName(this.mode)}: ${which} has shape ${shapeString(t.shape)}, expected ${shapeString(want)} ([D*numLayers, B, ${which === 'c0' ? 'H' : 'P'}])`);
    }
    if (t.dtype !== dtype) throw new Error(`${layerName(this.mode)}: ${which} is ${t.dtype} but the layer's weights are ${dtype}`);
    return unbatched ? reshape(t, shape) : t;
  }
}

/** Columns [from, from + width) of a [rows, cols] buffer, as a contiguous [rows, width] one. */
function columnsOf(g: Buf, rows: number, cols: number, from: number, width: number): Buf {
  const out = allocate(dtypeOf(g), rows * width);
  for (let r = 0; r < rows; r++) out.set(g.subarray(r * cols + from, r * cols + from + width), r * width);
  return out;
}

function checkLengths(name: string, lengths: ArrayLike<number>, T: number, B: number): Int32Array {
  if (lengths.length !== B) throw new Error(`${name}: lengths has ${lengths.length} entries for a batch of ${B}`);
  const out = new Int32Array(B);
  for (let b = 0; b < B; b++) {
    const v = lengths[b];
    if (!Number.isInteger(v) || v < 1 || v > T) {
      throw new Error(`${name}: lengths[${b}] = ${v} is outside 1..${T} (T is the padded sequence length)`);
    }
    out[b] = v;
  }
  return out;
}

function layerName(mode: CellMode): string {
  return mode === 'rnn' ? 'RNN' : mode.toUpperCase();
}

/** Elman RNN: h_t = g(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh), g = tanh | relu | leaky_relu | sigmoid. */
export class RNN extends RecurrentBase {
  constructor(o: RNNOptions) { super('rnn', o); }
}

/**
 * LSTM (gates i,f,g,o): i,f,o = σ(.), g = tanh(.), c_t = f*c_{t-1} + i*g, h_t = o*tanh(c_t),
 * optionally projected: h_t = W_hr (o*tanh(c_t)).
 */
export class LSTM extends RecurrentBase {
  constructor(o: RNNOptions) { super('lstm', o); }
}

/**
 * GRU (gates r,z,n): r,z = σ(.), n = tanh(W_in x + b_in + r*(W_hn h + b_hn)),
 * h_t = (1-z)*n + z*h_{t-1}.
 */
export class GRU extends RecurrentBase {
  constructor(o: RNNOptions) { super('gru', o); }
}
