import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CharLM } from '../../src/apps/charlm/model.js';
import { Embedding } from '../../src/nn/embedding.js';
import { Linear } from '../../src/nn/linear.js';
import { Module } from '../../src/nn/module.js';
import { GRU } from '../../src/nn/rnn.js';
import { noGrad } from '../../src/tensor/autograd.js';
import { concatLast, select0 } from '../../src/tensor/ops/basic.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { clipGradNorm } from '../../src/train/clip.js';
import { crossEntropy } from '../../src/train/losses/crossEntropy.js';
import { trainLoop } from '../../src/train/loop.js';
import { Adam } from '../../src/train/optim/adam.js';
import { Random } from '../../src/util/random.js';

// Small models learn what they are shown, in seconds: the whole stack (embedding, recurrent BPTT,
// masks, per-sequence lengths, bidirectional states, loss, clipping, Adam, trainLoop) has to be
// right for the loss to reach these numbers.

test('an LSTM character model memorises a short text to under 0.05 nats per character', (t) => {
  const text = 'hello world, this is rnnkit.';
  const chars = [...new Set(text)].sort();
  const id = (ch: string) => chars.indexOf(ch);
  const rng = new Random(1);
  const model = new CharLM({ vocabSize: chars.length, embeddingDim: 16, cell: 'lstm', hiddenSize: 48, numLayers: 1, dropout: 0 }, rng);
  const T = 24, B = 8;
  // Windows of the endlessly repeated text from random offsets, from a zero state. Any 4
  // characters of this text fix the next one, so the first 4 predictions of a window (made from
  // less context) are masked out of the loss: the rest can be learned to certainty.
  const mask = Float32Array.from({ length: T * B }, (_, i) => (Math.floor(i / B) < 4 ? 0 : 1));
  const batch = (offsets: number[]) => {
    const x = new Int32Array(T * B), y = new Int32Array(T * B);
    for (let t = 0; t < T; t++) {
      for (let b = 0; b < B; b++) {
        x[t * B + b] = id(text[(offsets[b] + t) % text.length]);
        y[t * B + b] = id(text[(offsets[b] + t + 1) % text.length]);
      }
    }
    return { x, y };
  };
  const lossOn = (offsets: number[]) => {
    const { x, y } = batch(offsets);
    return crossEntropy(model.forward(x, T, B).logits, y, { mask });
  };

  const named = model.namedParameters();
  const params = model.parameters();
  const losses: number[] = [];
  const result = trainLoop({
    params: named, optimizer: new Adam(params, { lr: 1e-2 }), maxSteps: 150,
    forward: () => ({ loss: lossOn(Array.from({ length: B }, () => rng.int(text.length))), items: T * B }),
    clip: () => clipGradNorm(params, 1),
    afterStep: (info) => losses.push(info.loss),
  });
  assert.equal(result.steps, 150);
  assert.ok(losses[0] > 2.5, `the first loss ${losses[0]} should be near ln(${chars.length}) = ${Math.log(chars.length).toFixed(2)}`);
  // Every starting offset, in evaluation mode, without gradients.
  model.eval();
  const all = Array.from({ length: text.length }, (_, i) => i);
  const final = noGrad(() => (lossOn(all.slice(0, B)).item() + lossOn(all.slice(B, 2 * B)).item()
    + lossOn(all.slice(2 * B, 3 * B)).item() + lossOn([...all.slice(3 * B), 0, 1, 2, 3]).item()) / 4);
  t.diagnostic(`loss: step 1 ${losses[0].toFixed(3)}, step 100 ${losses[99].toFixed(3)}, step 150 ${losses[149].toFixed(4)}; all offsets after training ${final.toFixed(4)}`);
  assert.ok(final < 0.05, `loss after 150 steps is ${final.toFixed(4)} nats per character`);
});

// ±1 sequences of odd lengths 3..15, padded to the batch's longest; label 1 when +1 is the majority.
const PAD = 0, PLUS = 1, MINUS = 2;
interface SeqBatch { ids: Int32Array; lengths: number[]; labels: number[]; T: number; B: number }

function majorityBatch(rng: Random, B: number): SeqBatch {
  const lengths = Array.from({ length: B }, () => 3 + 2 * rng.int(7));
  const T = Math.max(...lengths);
  const ids = new Int32Array(T * B).fill(PAD);
  const labels: number[] = [];
  for (let b = 0; b < B; b++) {
    let plus = 0;
    for (let t = 0; t < lengths[b]; t++) {
      const tok = rng.next() < 0.5 ? PLUS : MINUS;
      ids[t * B + b] = tok;
      if (tok === PLUS) plus++;
    }
    labels.push(plus > lengths[b] - plus ? 1 : 0);
  }
  return { ids, lengths, labels, T, B };
}

/** ids [T, B] -> Embedding -> bidirectional GRU over each sequence's own length -> [h_fwd, h_bwd] -> Linear -> 2 logits. */
class MajorityClassifier extends Module {
  readonly embedding: Embedding;
  readonly rnn: GRU;
  readonly head: Linear;
  constructor(rng: Random) {
    super();
    this.embedding = this.registerModule('embedding', new Embedding({ numEmbeddings: 3, embeddingDim: 4, paddingIdx: PAD, rng }));
    this.rnn = this.registerModule('rnn', new GRU({ inputSize: 4, hiddenSize: 16, bidirectional: true, rng }));
    this.head = this.registerModule('head', new Linear({ inFeatures: 32, outFeatures: 2, rng }));
  }

  forward(s: SeqBatch): Tensor {
    const { hN } = this.rnn.forward(this.embedding.forward(s.ids, [s.T, s.B]), { lengths: s.lengths });
    // hN: [2, B, H]; the forward direction ends at each sequence's last token, the reverse one at its first.
    return this.head.forward(concatLast([select0(hN, 0), select0(hN, 1)]));
  }
}

test('a bidirectional GRU over padded sequences learns a majority vote to >= 95% held-out accuracy', (t) => {
  const rng = new Random(3);
  const model = new MajorityClassifier(rng);
  const named = model.namedParameters();
  const params = model.parameters();
  const result = trainLoop({
    params: named, optimizer: new Adam(params, { lr: 2e-2 }), maxSteps: 400,
    forward: () => {
      const s = majorityBatch(rng, 32);
      return { loss: crossEntropy(model.forward(s), s.labels), items: s.B };
    },
    clip: () => clipGradNorm(params, 1),
  });
  assert.equal(result.steps, 400);

  model.eval();
  const heldOut = new Random(12345);
  let correct = 0, total = 0;
  noGrad(() => {
    for (let k = 0; k < 10; k++) {
      const s = majorityBatch(heldOut, 100);
      const logits = model.forward(s).data;
      s.labels.forEach((label, b) => { if ((logits[2 * b + 1] > logits[2 * b] ? 1 : 0) === label) correct++; });
      total += s.B;
      if (k === 0) {
        // Padding is invisible: other tokens past each sequence's end give the very same logits.
        const noisy = { ...s, ids: s.ids.map((v, i) => (Math.floor(i / s.B) >= s.lengths[i % s.B] ? 1 + (i % 2) : v)) };
        assert.notDeepEqual(noisy.ids, s.ids);
        assert.deepEqual(model.forward(noisy).data, logits);
      }
    }
  });
  const accuracy = correct / total;
  t.diagnostic(`held-out accuracy ${(100 * accuracy).toFixed(1)}% on ${total} sequences; last training loss ${result.lastLoss.toFixed(4)}`);
  assert.ok(accuracy >= 0.95, `held-out accuracy ${(100 * accuracy).toFixed(1)}% on ${total} sequences`);
});
