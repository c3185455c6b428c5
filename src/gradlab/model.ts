import { GRU, LSTM, RNN, type RecurrentBase } from '../nn/rnn.js';
import { Linear } from '../nn/linear.js';
import { Module } from '../nn/module.js';
import { sliceFlat } from '../tensor/ops/basic.js';
import { Tensor, type DType } from '../tensor/tensor.js';
import { crossEntropy } from '../train/losses/crossEntropy.js';
import { mseLoss } from '../train/losses/mse.js';
import { Random } from '../util/random.js';
import type { Task, TaskBatch } from './tasks/task.js';

// The models the gradient lab compares: one recurrent layer and a linear read-out on the last
// `outputSteps` steps.
//   x: [T, B, I] -> recurrent -> [T, B, H] -> last m steps [m, B, H] -> Linear -> [m, B, C]
// Cells: Elman RNNs with tanh, sigmoid, relu or leaky_relu; 'irnn' is the ReLU RNN with
// W_hh = identity and zero biases (Le, Jaitly & Hinton 2015); LSTM and GRU.

export const CELL_NAMES = ['tanh', 'sigmoid', 'relu', 'irnn', 'leaky_relu', 'lstm', 'gru'] as const;
export type CellName = (typeof CELL_NAMES)[number];

export interface GradlabModelOptions {
  cell: CellName;
  inputSize: number;
  hiddenSize: number;
  outputSize: number;
  /**
   * Added to the bias of the gate that keeps the old state: LSTM's forget gate (Gers et al. 2000;
   * Jozefowicz et al. 2015 recommend 1), GRU's update gate z. Default 0 (PyTorch's init).
   */
  memoryBias?: number;
  /** Multiplies W_hh after initialisation (> 1 for the exploding set-up); default 1. */
  recurrentScale?: number;
  seed?: number;
  dtype?: DType;
}

export class GradlabModel extends Module {
  readonly rnn: RecurrentBase;
  readonly head: Linear;
  readonly cell: CellName;

  constructor(o: GradlabModelOptions) {
    super();
    if (!(CELL_NAMES as readonly string[]).includes(o.cell)) {
      throw new Error(`unknown cell '${o.cell}': choose from ${CELL_NAMES.join(', ')}`);
    }
    this.cell = o.cell;
    const rng = new Random(o.seed ?? 0);
    const base = { inputSize: o.inputSize, hiddenSize: o.hiddenSize, rng, dtype: o.dtype };
    const rnn = o.cell === 'lstm' ? new LSTM(base)
      : o.cell === 'gru' ? new GRU(base)
      : new RNN({ ...base, nonlinearity: o.cell === 'irnn' ? 'relu' : o.cell });
    this.rnn = this.registerModule('rnn', rnn);
    this.head = this.registerModule('head', new Linear({ inFeatures: o.hiddenSize, outFeatures: o.outputSize, rng, dtype: o.dtype }));
    const params = new Map(rnn.namedParameters());
    const wHh = params.get('weight_hh_l0')!;
    if (o.cell === 'irnn') {
      const H = o.hiddenSize;
      wHh.data.fill(0);
      for (let i = 0; i < H; i++) wHh.data[i * H + i] = 1;
      params.get('bias_ih_l0')!.data.fill(0);
      params.get('bias_hh_l0')!.data.fill(0);
      // Le et al. draw W_ih from N(0, 0.001²): small inputs keep the identity loop in charge.
      const wIh = params.get('weight_ih_l0')!;
      for (let i = 0; i < wIh.size; i++) wIh.data[i] = rng.normal(0, 0.001);
    }
    const memoryBias = o.memoryBias ?? 0;
    if (memoryBias !== 0 && (o.cell === 'lstm' || o.cell === 'gru')) {
      // Gate blocks: LSTM i,f,g,o (forget = block 1), GRU r,z,n (update = block 1).
      const bIh = params.get('bias_ih_l0')!, H = o.hiddenSize;
      for (let i = H; i < 2 * H; i++) bIh.data[i] += memoryBias;
    }
    const s = o.recurrentScale ?? 1;
    if (s !== 1) for (let i = 0; i < wHh.size; i++) wHh.data[i] *= s;
  }

  /** Outputs at the batch's last `outputSteps` steps: [m, B, outputSize]. */
  forward(batch: TaskBatch): Tensor {
    const { T, B, x, outputSteps: m } = batch;
    const input = Tensor.from(x, [T, B, x.length / (T * B)], this.head.weight.dtype);
    const { output } = this.rnn.forward(input);
    const H = this.rnn.hiddenSize;
    return this.head.forward(sliceFlat(output, (T - m) * B * H, [m, B, H]));
  }

  /** The task's loss (cross-entropy or MSE, mean over answers) and the model's outputs. */
  loss(task: Task, batch: TaskBatch): { loss: Tensor; outputs: Tensor } {
    const outputs = this.forward(batch);
    if (task.kind === 'classify') return { loss: crossEntropy(outputs, batch.targets), outputs };
    const target = Tensor.from(batch.targets, outputs.shape, outputs.dtype);
    return { loss: mseLoss(outputs, target), outputs };
  }
}

/** The answers in outputs [m, B, C]: argmax class, or the value itself for regression. */
export function predictions(task: Task, outputs: Tensor): number[] {
  const C = task.outputSize, n = outputs.size / C, d = outputs.data;
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    if (task.kind === 'regress') { out[i] = d[i]; continue; }
    let best = 0;
    for (let c = 1; c < C; c++) if (d[i * C + c] > d[i * C + best]) best = c;
    out[i] = best;
  }
  return out;
}
