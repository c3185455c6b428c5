import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Dropout } from '../../src/nn/dropout.js';
import { Embedding } from '../../src/nn/embedding.js';
import { Linear } from '../../src/nn/linear.js';
import { Module } from '../../src/nn/module.js';
import { GRU, LSTM } from '../../src/nn/rnn.js';
import { padBatch } from '../../src/data/pad-batch.js';
import { select0 } from '../../src/tensor/ops/basic.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { crossEntropy } from '../../src/train/losses/crossEntropy.js';
import { accuracy } from '../../src/train/metrics.js';
import type { FitLossResult } from '../../src/train/fit.js';
import { Random } from '../../src/util/random.js';

// A many-to-one task for fit() tests: ±1 sequences of odd lengths 3..15, label 1 when +1 is the
// majority, classified from the last hidden state of each sequence (its own length, not the pad).

export const PAD = 0, PLUS = 1, MINUS = 2;

export interface Example { ids: number[]; label: number }
export interface ClassBatch { ids: Int32Array; lengths: Int32Array; labels: number[]; T: number; B: number }

export function majorityExamples(n: number, seed: number): Example[] {
  const rng = new Random(seed);
  return Array.from({ length: n }, () => {
    const len = 3 + 2 * rng.int(7);
    const ids = Array.from({ length: len }, () => (rng.next() < 0.5 ? PLUS : MINUS));
    const plus = ids.filter((t) => t === PLUS).length;
    return { ids, label: plus > len - plus ? 1 : 0 };
  });
}

export function collate(examples: Example[]): ClassBatch {
  const p = padBatch(examples.map((e) => e.ids), { padId: PAD });
  return { ids: p.ids, lengths: p.lengths, labels: examples.map((e) => e.label), T: p.shape[0], B: p.shape[1] };
}

/** ids [T, B] -> Embedding -> (dropout) -> LSTM or GRU over each sequence's length -> hN -> Linear -> 2 logits. */
export class SequenceClassifier extends Module {
  readonly embedding: Embedding;
  readonly drop: Dropout;
  readonly rnn: LSTM | GRU;
  readonly head: Linear;
  constructor(cell: 'lstm' | 'gru', rng: Random, o: { hidden?: number; dropout?: number; dropoutRng?: Random } = {}) {
    super();
    const hidden = o.hidden ?? 16;
    this.embedding = this.registerModule('embedding', new Embedding({ numEmbeddings: 3, embeddingDim: 8, paddingIdx: PAD, rng }));
    this.drop = this.registerModule('drop', new Dropout(o.dropout ?? 0, o.dropoutRng));
    const Cell = cell === 'lstm' ? LSTM : GRU;
    this.rnn = this.registerModule('rnn', new Cell({ inputSize: 8, hiddenSize: hidden, rng }));
    this.head = this.registerModule('head', new Linear({ inFeatures: hidden, outFeatures: 2, rng }));
  }

  forward(b: ClassBatch): Tensor {
    const x = this.drop.forward(this.embedding.forward(b.ids, [b.T, b.B]));
    const { hN } = this.rnn.forward(x, { lengths: b.lengths });
    return this.head.forward(select0(hN, 0));
  }
}

export function classifierLoss(b: ClassBatch, m: SequenceClassifier): FitLossResult {
  const logits = m.forward(b);
  return { loss: crossEntropy(logits, b.labels), items: b.B, ...accuracy(logits, b.labels) };
}

export function withTempDir<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'rnnkit-fit-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function parameterValues(m: Module): Record<string, number[]> {
  return Object.fromEntries(m.namedParameters().map(([k, t]) => [k, Array.from(t.data)]));
}
