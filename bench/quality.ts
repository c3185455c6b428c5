// npm run bench:quality -- [--minutes 10] [--threads 2] [--backend name] [--torch]   (--help)
// Quality for time: the W2 model (embedding 64, LSTM 2x512, dropout 0.2 between the layers,
// linear to the vocabulary) trained on Tiny Shakespeare with Adam 2e-3, batch 32, windows of 64,
// gradient norm clipped at 5, for a wall-clock budget; then the mean cross-entropy on the last
// 10% of the text. The same recipe as ../shared/anchors/torch_charlm_quality.py, which --torch
// runs right after ours on the same machine, so both numbers come from one session.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { evaluateLM } from '../src/apps/charlm/evaluate.js';
import { CharLM, type RecurrentState } from '../src/apps/charlm/model.js';
import { CharTokenizer } from '../src/data/char-tokenizer.js';
import { LMBatcher } from '../src/data/lm-batcher.js';
import { splitTrainValidation } from '../src/data/split.js';
import { encodeText } from '../src/data/tokenizer.js';
import { Vocabulary } from '../src/data/vocabulary.js';
import { kernels, setBackend } from '../src/kernels/backend.js';
import { clipGradNorm } from '../src/train/clip.js';
import { crossEntropy } from '../src/train/losses/crossEntropy.js';
import { trainLoop } from '../src/train/loop.js';
import { Adam } from '../src/train/optim/adam.js';
import { Random } from '../src/util/random.js';
import { parseQualityOptions } from './options.js';
import { repoRootFromBench } from './paths.js';

const { minutes, threads, backend, torch } = parseQualityOptions(process.argv.slice(2));
if (backend) setBackend(backend);
kernels().setThreads?.(threads);

const root = repoRootFromBench();
const dataPath = join(root, 'data', 'tinyshakespeare', 'input.txt');
const text = readFileSync(dataPath, 'utf8');
const tokenizer = new CharTokenizer();
const vocab = Vocabulary.build(tokenizer.tokenize(text), { order: 'codepoint' });
const { train, validation } = splitTrainValidation(encodeText(text, tokenizer, vocab), 0.1);
const B = 32, T = 64;

const rng = new Random(0);
const model = new CharLM({ vocabSize: vocab.size, embeddingDim: 64, cell: 'lstm', hiddenSize: 512, numLayers: 2, dropout: 0.2, outputDropout: 0 }, rng);
const params = model.parameters();
const optimizer = new Adam(params, { lr: 2e-3 });
const batcher = new LMBatcher(train, { batchSize: B, seqLen: T });
let carry: RecurrentState | null = null;

model.train();
const result = trainLoop({
  params: model.namedParameters(),
  optimizer,
  maxSeconds: minutes * 60,
  forward: () => {
    const w = batcher.next();
    if (w.startsEpoch) carry = null;
    const out = model.forward(w.x, T, B, carry);
    carry = { h: out.state.h.detach(), c: out.state.c ? out.state.c.detach() : null };
    return { loss: crossEntropy(out.logits, w.y), items: B * T };
  },
  clip: () => clipGradNorm(params, 5),
});
const val = evaluateLM(model, validation, { batchSize: B, seqLen: 256 });
const ours = {
  impl: `rnnkit-${kernels().name}`, minutes, threads: kernels().threads?.() ?? 1, val_loss: Math.round(val.loss * 10000) / 10000,
  train_tokens: result.steps * B * T, steps: result.steps, train_seconds: Math.round(result.seconds * 10) / 10,
};
process.stdout.write(JSON.stringify(ours) + '\n');

if (torch) {
  const script = join(root, '..', 'shared', 'anchors', 'torch_charlm_quality.py');
  if (!existsSync(script)) throw new Error(`--torch: ${script} not found`);
  const env = { ...process.env };
  // Debian's OpenBLAS runs at half speed with these set (see ../shared/anchors/README.md).
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const out = execFileSync('/usr/bin/python3', [script, '--data', dataPath, '--minutes', String(minutes), '--threads', String(threads)], { env, encoding: 'utf8' });
  process.stdout.write(out);
}
