import { Dropout } from '../../nn/dropout.js';
import { Embedding } from '../../nn/embedding.js';
import { Linear } from '../../nn/linear.js';
import { Module } from '../../nn/module.js';
import { GRU, LSTM, RNN, type Nonlinearity, type RecurrentBase } from '../../nn/rnn.js';
import type { Tensor } from '../../tensor/tensor.js';
import { Random } from '../../util/random.js';

// Character-level language model: ids -> Embedding -> recurrent stack -> Dropout -> Linear.
//   ids: [T, B] (time-major)  ->  logits: [T, B, V]
// Parameter names ('embedding.weight', 'rnn.weight_ih_l0', 'head.weight', ...) follow PyTorch's
// module naming, so the weights load into the equivalent torch.nn model unchanged.

export type CellType = 'lstm' | 'gru' | 'rnn';

export interface CharLMConfig {
  vocabSize: number;
  embeddingDim: number;
  cell: CellType;
  /** For cell 'rnn'. */
  nonlinearity?: Nonlinearity;
  hiddenSize: number;
  numLayers: number;
  /** Between recurrent layers and before the output layer, in training. */
  dropout: number;
  /** Dropout before the output layer only, when it should differ from `dropout` (0 = off). */
  outputDropout?: number;
}

/** The recurrent state carried between windows and between sampling steps. */
export interface RecurrentState {
  h: Tensor;
  c: Tensor | null;
}

export class CharLM extends Module {
  readonly embedding: Embedding;
  readonly rnn: RecurrentBase;
  readonly outputDropout: Dropout;
  readonly head: Linear;

  constructor(readonly config: CharLMConfig, rng: Random = new Random(0)) {
    super();
    const c = config;
    this.embedding = this.registerModule('embedding', new Embedding({ numEmbeddings: c.vocabSize, embeddingDim: c.embeddingDim, rng }));
    const rnnOpts = { inputSize: c.embeddingDim, hiddenSize: c.hiddenSize, numLayers: c.numLayers, dropout: c.dropout, rng };
    this.rnn = this.registerModule('rnn', c.cell === 'lstm' ? new LSTM(rnnOpts)
      : c.cell === 'gru' ? new GRU(rnnOpts) : new RNN({ ...rnnOpts, nonlinearity: c.nonlinearity ?? 'tanh' }));
    this.outputDropout = this.registerModule('outputDropout', new Dropout(c.outputDropout ?? c.dropout, rng));
    this.head = this.registerModule('head', new Linear({ inFeatures: c.hiddenSize, outFeatures: c.vocabSize, rng }));
  }

  /** ids: [T, B] time-major. Returns logits [T, B, V] and the final state. */
  forward(ids: ArrayLike<number>, T: number, B: number, state: RecurrentState | null = null): { logits: Tensor; state: RecurrentState } {
    if (ids.length !== T * B) throw new Error(`CharLM: ${ids.length} ids given for a [T=${T}, B=${B}] window`);
    const x = this.embedding.forward(ids, [T, B]);
    const r = this.rnn.forward(x, { h0: state?.h ?? null, c0: state?.c ?? null });
    const logits = this.head.forward(this.outputDropout.forward(r.output));
    return { logits, state: { h: r.hN, c: r.cN } };
  }
}

export function validateCharLMConfig(c: unknown, source: string): CharLMConfig {
  const o = c as Partial<CharLMConfig>;
  const bad = (what: string) => new Error(`${source}: model config ${what}`);
  if (!o || typeof o !== 'object') throw bad('is not an object');
  for (const k of ['vocabSize', 'embeddingDim', 'hiddenSize', 'numLayers'] as const) {
    if (!Number.isInteger(o[k]) || (o[k] as number) < 1) throw bad(`field ${k} must be a positive integer, got ${String(o[k])}`);
  }
  if (!['lstm', 'gru', 'rnn'].includes(o.cell as string)) throw bad(`field cell must be lstm, gru or rnn, got ${String(o.cell)}`);
  for (const k of ['dropout', 'outputDropout'] as const) {
    const v = o[k];
    if (v === undefined && k === 'outputDropout') continue;
    if (typeof v !== 'number' || !(v >= 0 && v < 1)) throw bad(`field ${k} must be in [0, 1), got ${String(v)}`);
  }
  return o as CharLMConfig;
}
