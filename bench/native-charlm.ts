// W1 (BENCHMARKS.md): char-LM training tokens/s on the native backend at 1 and 2 threads.
// CharLM (src/apps/charlm/model.ts): vocab 65, embedding 64, LSTM 1x256, B=32, T=64; one step =
// forward + softmax cross-entropy (mean) + backward + Adam(lr 2e-3). 3 warm-up steps, then the
// median of the timed steps; one JSON line per thread count.
// Usage: node dist/bench/native-charlm.js [--steps=20] [--threads=1,2] [--cell=lstm] [--hidden=256] [--layers=1]
import { CharLM, type CellType } from '../src/apps/charlm/model.js';
import { setBackend } from '../src/kernels/backend.js';
import { loadNativeKernels, nativeAddon } from '../src/kernels/native/index.js';
import { backward } from '../src/tensor/autograd.js';
import { crossEntropy } from '../src/train/losses/crossEntropy.js';
import { Adam } from '../src/train/optim/adam.js';
import { Random } from '../src/util/random.js';

const args = process.argv.slice(2);
const arg = (name: string, fallback: string) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const steps = Number(arg('steps', '20'));
const threadCounts = arg('threads', '1,2').split(',').map(Number);
const cell = arg('cell', 'lstm') as CellType;
const hiddenSize = Number(arg('hidden', '256'));
const numLayers = Number(arg('layers', '1'));
const V = 65, T = 64, B = 32;

const native = loadNativeKernels();
if (!native) {
  console.log('native backend not built: run `npm run build:native`');
  process.exit(0);
}
setBackend('native');

for (const threads of threadCounts) {
  native.setThreads!(threads);
  const model = new CharLM({ vocabSize: V, embeddingDim: 64, cell, hiddenSize, numLayers, dropout: 0 }, new Random(0));
  const opt = new Adam(model.parameters(), { lr: 2e-3 });
  const rng = new Random(1);
  const ids = new Int32Array(T * B), targets = new Int32Array(T * B);
  const step = () => {
    for (let i = 0; i < T * B; i++) { ids[i] = Math.floor(rng.uniform(0, V)); targets[i] = Math.floor(rng.uniform(0, V)); }
    const { logits } = model.forward(ids, T, B);
    const loss = crossEntropy(logits, targets);
    opt.zeroGrad();
    backward(loss);
    opt.step();
    return loss.data[0];
  };
  for (let i = 0; i < 3; i++) step();
  const times: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    step();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const median = times[times.length >> 1];
  console.log(JSON.stringify({ impl: `rnnkit-native-${nativeAddon()!.isa()}`, workload: 'W1', threads,
    value: Math.round(T * B / (median / 1000)), unit: 'tokens/s', msPerStep: Math.round(median * 10) / 10 }));
}
