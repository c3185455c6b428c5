import type { Activation } from '../kernels/kernels.js';
import { reshape } from '../tensor/ops/basic.js';
import { type CellMode, gateCount, recurrentLayerState } from '../tensor/ops/recurrent.js';
import { Tensor, type DType, shapeString } from '../tensor/tensor.js';
import { Random } from '../util/random.js';
import { uniformTensor } from './init.js';
import { checkPositiveInt } from './linear.js';
import { Module } from './module.js';
import type { Nonlinearity } from './rnn.js';

// Single-step cells for decoding loops, with PyTorch's parameter names and layout:
//   weight_ih: [G*H, I], weight_hh: [G*H, H], bias_ih, bias_hh: [G*H]
//   x: [B, I] (or [I]), h: [B, H] -> h': [B, H]  (LSTMCell also c: [B, H])
// Each step is the sequence op with T = 1, so cells and layers share one implementation.

export interface CellOptions {
  inputSize: number;
  hiddenSize: number;
  bias?: boolean;
  /** RNNCell only. */
  nonlinearity?: Nonlinearity;
  negativeSlope?: number;
  rng?: Random;
  dtype?: DType;
}

abstract class CellBase extends Module {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly weightIh: Tensor;
  readonly weightHh: Tensor;
  readonly biasIh: Tensor | null;
  readonly biasHh: Tensor | null;
  protected readonly activation: Activation;
  protected readonly negativeSlope: number;

  protected constructor(readonly mode: CellMode, private readonly cellName: string, o: CellOptions) {
    super();
    checkPositiveInt(cellName, 'inputSize', o.inputSize);
    checkPositiveInt(cellName, 'hiddenSize', o.hiddenSize);
    this.inputSize = o.inputSize;
    this.hiddenSize = o.hiddenSize;
    this.activation = o.nonlinearity ?? 'tanh';
    this.negativeSlope = o.negativeSlope ?? 0.01;
    const rng = o.rng ?? new Random(0);
    const GH = gateCount(mode) * o.hiddenSize;
    const bound = 1 / Math.sqrt(o.hiddenSize);
    const u = (shape: number[], n: string) => this.registerParameter(n, uniformTensor(shape, bound, rng, o.dtype));
    this.weightIh = u([GH, o.inputSize], 'weight_ih');
    this.weightHh = u([GH, o.hiddenSize], 'weight_hh');
    this.biasIh = o.bias === false ? null : u([GH], 'bias_ih');
    this.biasHh = o.bias === false ? null : u([GH], 'bias_hh');
  }

  protected step(x: Tensor, h: Tensor | null | undefined, c: Tensor | null | undefined): { h: Tensor; c: Tensor | null } {
    const unbatched = x.rank === 1;
    if (x.rank !== 2 && !unbatched) throw new Error(`${this.cellName}: input must be [B, ${this.inputSize}] or [${this.inputSize}], got ${shapeString(x.shape)}`);
    const B = unbatched ? 1 : x.shape[0];
    const I = x.shape[x.rank - 1];
    if (I !== this.inputSize) throw new Error(`${this.cellName}: input has ${I} features, cell expects ${this.inputSize} (x: ${shapeString(x.shape)})`);
    const H = this.hiddenSize;
    const state = (t: Tensor | null | undefined, which: string) => {
      if (!t) return null;
      if (t.size !== B * H || t.shape[t.rank - 1] !== H) throw new Error(`${this.cellName}: ${which} has shape ${shapeString(t.shape)}, expected [${B}, ${H}]`);
      return reshape(t, [B, H]);
    };
    const r = recurrentLayerState(reshape(x, [1, B, I]), state(h, 'h'), state(c, 'c'),
      { wIh: this.weightIh, wHh: this.weightHh, bIh: this.biasIh, bHh: this.biasHh, wHr: null },
      { mode: this.mode, hiddenSize: H, activation: this.activation, negativeSlope: this.negativeSlope, reverse: false, lengths: null });
    const outShape = unbatched ? [H] : [B, H];
    return { h: reshape(r.hN, outShape), c: r.cN ? reshape(r.cN, outShape) : null };
  }
}

export class RNNCell extends CellBase {
  constructor(o: CellOptions) { super('rnn', 'RNNCell', o); }
  forward(x: Tensor, h?: Tensor | null): Tensor { return this.step(x, h, null).h; }
}

export class LSTMCell extends CellBase {
  constructor(o: CellOptions) {
    if (o.nonlinearity) throw new Error('LSTMCell: nonlinearity applies to RNNCell only');
    super('lstm', 'LSTMCell', o);
  }
  forward(x: Tensor, state?: { h: Tensor; c: Tensor } | null): { h: Tensor; c: Tensor } {
    const r = this.step(x, state?.h, state?.c);
    return { h: r.h, c: r.c! };
  }
}

export class GRUCell extends CellBase {
  constructor(o: CellOptions) {
    if (o.nonlinearity) throw new Error('GRUCell: nonlinearity applies to RNNCell only');
    super('gru', 'GRUCell', o);
  }
  forward(x: Tensor, h?: Tensor | null): Tensor { return this.step(x, h, null).h; }
}
