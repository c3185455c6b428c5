// The benchmark workloads of BENCHMARKS.md (W1-W6), written the way a user would write them with
// rnnkit, mirroring ../shared/anchors/torch_bench.py step for step so the figures compare.
import { CharLM } from '../src/apps/charlm/model.js';
import { sampleFromLogits } from '../src/apps/charlm/sampler.js';
import { Embedding } from '../src/nn/embedding.js';
import { Linear } from '../src/nn/linear.js';
import { GRU, LSTM, RNN } from '../src/nn/rnn.js';
import { backward, noGrad } from '../src/tensor/autograd.js';
import { concatLast, select0 } from '../src/tensor/ops/basic.js';
import { Tensor } from '../src/tensor/tensor.js';
import { clipGradValue } from '../src/train/clip.js';
import { crossEntropy } from '../src/train/losses/crossEntropy.js';
import { Adagrad } from '../src/train/optim/adagrad.js';
import { Adam } from '../src/train/optim/adam.js';
import { Random } from '../src/util/random.js';

const VOCAB = 65;
const SEED = 1234;

/** One workload: `step` is timed; `items` is how many tokens/sequences/chars one step handles. */
export interface Workload {
  id: string;
  unit: string;
  items: number;
  /** W4 times whole generations, fewer of them. */
  wholeRuns?: boolean;
  step(): void;
}

function randomIds(rng: Random, n: number, high: number): Int32Array {
  return Int32Array.from({ length: n }, () => rng.int(high));
}

function charLMTraining(id: string, hidden: number, layers: number): Workload {
  const rng = new Random(SEED);
  const B = 32, T = 64;
  const model = new CharLM({ vocabSize: VOCAB, embeddingDim: 64, cell: 'lstm', hiddenSize: hidden, numLayers: layers, dropout: 0 }, rng);
  const opt = new Adam(model.parameters(), { lr: 2e-3 });
  const data = Array.from({ length: 8 }, () => randomIds(rng, (T + 1) * B, VOCAB));
  let i = 0;
  return {
    id, unit: 'tokens/s', items: B * T,
    step() {
      const seq = data[i++ % data.length];
      opt.zeroGrad(true);
      const { logits } = model.forward(seq.subarray(0, T * B), T, B);
      backward(crossEntropy(logits, seq.subarray(B)));
      opt.step();
    },
  };
}

function minCharRnn(): Workload {
  const rng = new Random(SEED);
  const T = 25, H = 100;
  const rnn = new RNN({ inputSize: VOCAB, hiddenSize: H, rng });
  const out = new Linear({ inFeatures: H, outFeatures: VOCAB, rng });
  const params = [...rnn.parameters(), ...out.parameters()];
  const opt = new Adagrad(params, { lr: 0.1 });
  const data = Array.from({ length: 64 }, () => randomIds(rng, T + 1, VOCAB));
  let i = 0;
  let h = Tensor.zeros([1, 1, H]);
  const oneHot = Tensor.zeros([T, 1, VOCAB]);
  return {
    id: 'W3', unit: 'tokens/s', items: T,
    step() {
      const seq = data[i++ % data.length];
      oneHot.data.fill(0);
      for (let t = 0; t < T; t++) oneHot.data[t * VOCAB + seq[t]] = 1;
      opt.zeroGrad(true);
      const r = rnn.forward(oneHot, { h0: h });
      backward(crossEntropy(out.forward(r.output), seq.subarray(1), { reduction: 'sum' }));
      clipGradValue(params, 5);
      opt.step();
      h = r.hN.detach(); // min-char-rnn carries hprev across windows
    },
  };
}

function sampling(chars: number): Workload {
  const rng = new Random(SEED);
  const model = new CharLM({ vocabSize: VOCAB, embeddingDim: 64, cell: 'lstm', hiddenSize: 512, numLayers: 2, dropout: 0 }, rng).eval();
  return {
    id: 'W4', unit: 'chars/s', items: chars, wholeRuns: true,
    step() {
      noGrad(() => {
        let id = rng.int(VOCAB);
        let state = null;
        for (let n = 0; n < chars; n++) {
          const r = model.forward([id], 1, 1, state);
          state = r.state;
          id = sampleFromLogits(r.logits.data, rng, { temperature: 1 });
        }
      });
    },
  };
}

function sentimentBiGru(): Workload {
  const rng = new Random(SEED);
  const B = 64, T = 100, H = 128;
  const emb = new Embedding({ numEmbeddings: 10000, embeddingDim: 100, rng });
  const gru = new GRU({ inputSize: 100, hiddenSize: H, bidirectional: true, rng });
  const out = new Linear({ inFeatures: 2 * H, outFeatures: 2, rng });
  const opt = new Adam([...emb.parameters(), ...gru.parameters(), ...out.parameters()], { lr: 1e-3 });
  const data = Array.from({ length: 8 }, () => randomIds(rng, T * B, 10000));
  const labels = Array.from({ length: 8 }, () => randomIds(rng, B, 2));
  let i = 0;
  return {
    id: 'W5', unit: 'sequences/s', items: B,
    step() {
      const k = i++ % data.length;
      opt.zeroGrad(true);
      const { hN } = gru.finalState(emb.forward(data[k], [T, B]));
      const logits = out.forward(concatLast([select0(hN, 0), select0(hN, 1)]));
      backward(crossEntropy(logits, labels[k]));
      opt.step();
    },
  };
}

function encodeLstm(): Workload {
  const rng = new Random(SEED);
  const B = 64, T = 100, I = 128;
  const lstm = new LSTM({ inputSize: I, hiddenSize: 256, rng }).eval();
  const data = Array.from({ length: 4 }, () => {
    const x = Tensor.zeros([T, B, I]);
    for (let j = 0; j < x.size; j++) x.data[j] = rng.normal();
    return x;
  });
  let i = 0;
  return {
    id: 'W6', unit: 'tokens/s', items: B * T,
    step() {
      noGrad(() => lstm.forward(data[i++ % data.length]));
    },
  };
}

export const WORKLOADS: Record<string, (quick: boolean) => Workload> = {
  W1: () => charLMTraining('W1', 256, 1),
  W2: () => charLMTraining('W2', 512, 2),
  W3: () => minCharRnn(),
  W4: (quick) => sampling(quick ? 200 : 2000),
  W5: () => sentimentBiGru(),
  W6: () => encodeLstm(),
};
