// Tokens per second of one char-LM training step (CharLM: vocab 65, embedding 64, LSTM 1x256,
// B=32, T=64; forward + cross-entropy + backward + Adam) on each backend, single-threaded.
// Usage: node dist/bench/wasm-charlm.js [--steps=20] [--backends=js,wasm] [--cell=lstm] [--hidden=256]
import { CharLM } from '../src/apps/charlm/model.js';
import { setBackend } from '../src/kernels/backend.js';
import { backward } from '../src/tensor/autograd.js';
import { crossEntropy } from '../src/train/losses/crossEntropy.js';
import { Adam } from '../src/train/optim/adam.js';
import { Random } from '../src/util/random.js';
import type { CellType } from '../src/apps/charlm/model.js';

const args = process.argv.slice(2);
const arg = (name: string, fallback: string) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const steps = Number(arg('steps', '20'));
const backends = arg('backends', 'js,wasm').split(',');
const cell = arg('cell', 'lstm') as CellType;
const hiddenSize = Number(arg('hidden', '256'));
const V = 65, T = 64, B = 32;

for (const name of backends) {
  setBackend(name);
  const model = new CharLM({ vocabSize: V, embeddingDim: 64, cell, hiddenSize, numLayers: 1, dropout: 0 }, new Random(0));
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
  const t0 = performance.now();
  let loss = 0;
  for (let i = 0; i < steps; i++) loss = step();
  const seconds = (performance.now() - t0) / 1000;
  console.log(`${name.padEnd(5)} ${cell} H=${hiddenSize}: ${(steps * T * B / seconds).toFixed(0)} tokens/s `
    + `(${(seconds / steps * 1000).toFixed(1)} ms/step, loss ${loss.toFixed(4)})`);
}
