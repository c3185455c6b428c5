import { mkdirSync, accessSync, constants, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CharTokenizer } from '../../data/char-tokenizer.js';
import { LMBatcher, type LMBatcherState } from '../../data/lm-batcher.js';
import { splitTrainValidation } from '../../data/split.js';
import { encodeText } from '../../data/tokenizer.js';
import { Vocabulary, type VocabularyJSON } from '../../data/vocabulary.js';
import { saveSafetensors } from '../../io/safetensors-file.js';
import { writeFileAtomic } from '../../io/atomic-write.js';
import { Tensor } from '../../tensor/tensor.js';
import { type CheckpointData, loadCheckpoint, saveCheckpoint } from '../../train/checkpoint.js';
import { clipGradNorm } from '../../train/clip.js';
import { crossEntropy } from '../../train/losses/crossEntropy.js';
import { type Metrics, type StepInfo, type TrainLoopResult, trainLoop } from '../../train/loop.js';
import { type OptimizerName, createOptimizer } from '../../train/optim/create.js';
import { Random, type RandomState } from '../../util/random.js';
import { evaluateLM } from './evaluate.js';
import { generateText } from './generate.js';
import { type CellType, CharLM, type CharLMConfig, type RecurrentState, validateCharLMConfig } from './model.js';
import type { Nonlinearity } from '../../nn/rnn.js';
import { type CurvePoint, writeCurveFiles } from './curve.js';

// Training a character language model end to end: text -> vocabulary -> [T, B] windows ->
// model -> mean cross-entropy -> BPTT over the window (state carried, detached) -> clip ->
// optimiser, with validation, samples, a learning curve and resumable checkpoints in `outDir`.

export interface CharLMTrainOptions {
  /** The training text itself (the CLI reads --data into this). */
  text: string;
  /** Where the text came from, for messages. */
  source?: string;
  outDir: string;
  cell?: CellType;
  nonlinearity?: Nonlinearity;
  embeddingDim?: number;
  hiddenSize?: number;
  numLayers?: number;
  dropout?: number;
  seqLen?: number;
  batchSize?: number;
  optimizer?: OptimizerName;
  lr?: number;
  weightDecay?: number;
  /** Gradient-norm clipping threshold (0 = off). */
  clip?: number;
  maxSteps?: number;
  maxSeconds?: number;
  seed?: number;
  valFraction?: number;
  evalEvery?: number;
  /** Tokens of validation text scored at each periodic evaluation (the final one scores all). */
  evalTokens?: number;
  sampleEvery?: number;
  sampleLength?: number;
  checkpointEvery?: number;
  /** Continue from outDir/checkpoint.safetensors. */
  resume?: boolean;
  onStep?: (info: StepInfo, total: { maxSteps?: number; maxSeconds?: number }) => void;
  onEval?: (step: number, metrics: Metrics) => void;
  onSample?: (step: number, text: string) => void;
  onCheckpoint?: (step: number, path: string) => void;
  shouldStop?: () => boolean;
}

export const CHARLM_DEFAULTS = {
  // The W2 model of BENCHMARKS.md: the size that reaches the best validation loss in 10 minutes
  // on 2 cores with the native backend (see README).
  cell: 'lstm' as CellType, embeddingDim: 64, hiddenSize: 512, numLayers: 2, dropout: 0.2,
  seqLen: 64, batchSize: 32, optimizer: 'adam' as OptimizerName, lr: 2e-3, weightDecay: 0, clip: 5,
  seed: 0, valFraction: 0.1, evalEvery: 100, evalTokens: 16384, sampleEvery: 200, sampleLength: 200,
  checkpointEvery: 100,
};

/** What a checkpoint's metadata holds for a character model. */
export interface CharLMCheckpointMeta {
  app: 'charlm';
  config: CharLMConfig;
  vocabulary: VocabularyJSON;
  training: Record<string, unknown>;
  rng: RandomState;
  data: LMBatcherState;
  step: number;
  seconds: number;
  history: CurvePoint[];
}

export interface CharLMTrainResult extends TrainLoopResult {
  validationLoss: number;
  checkpointPath: string;
  tokensSeen: number;
}

export const CHECKPOINT_FILE = 'checkpoint.safetensors';

export function trainCharLM(options: CharLMTrainOptions): CharLMTrainResult {
  const o = { ...CHARLM_DEFAULTS, ...stripUndefined(options), text: options.text, outDir: options.outDir };
  prepareOutDir(o.outDir);
  const ckptPath = join(o.outDir, CHECKPOINT_FILE);
  let resumed: CheckpointData<CharLMCheckpointMeta> | null = null;
  if (o.resume) {
    resumed = loadCheckpoint<CharLMCheckpointMeta>(ckptPath);
    if (resumed.meta.app !== 'charlm') throw new Error(`${ckptPath} is not a character language model checkpoint`);
    if (!resumed.meta.data) {
      throw new Error(`${ckptPath} holds imported weights without a training position or optimiser state, so there is nothing to resume; use it with sample, eval or export`);
    }
  }

  const tokenizer = new CharTokenizer();
  const vocab = resumed ? Vocabulary.fromJSON(resumed.meta.vocabulary) : Vocabulary.build(tokenizer.tokenize(o.text), { order: 'codepoint' });
  const ids = encodeText(o.text, tokenizer, vocab, o.source);
  const { train, validation } = splitTrainValidation(ids, o.valFraction);
  const config: CharLMConfig = resumed ? validateCharLMConfig(resumed.meta.config, ckptPath) : {
    vocabSize: vocab.size, embeddingDim: o.embeddingDim, cell: o.cell, hiddenSize: o.hiddenSize,
    numLayers: o.numLayers, dropout: o.dropout, ...(o.cell === 'rnn' ? { nonlinearity: o.nonlinearity ?? 'tanh' } : {}),
  };
  // One generator for the whole run: initialisation, dropout, samples. Its state is checkpointed.
  const rng = new Random(o.seed);
  const model = new CharLM(config, rng);
  const optimizer = createOptimizer(o.optimizer, model.parameters(), { lr: o.lr, weightDecay: o.weightDecay });
  let batcher: LMBatcher;
  try {
    batcher = new LMBatcher(train, { batchSize: o.batchSize, seqLen: o.seqLen });
  } catch (e) {
    throw new Error(`${o.source ?? 'the text'} has ${ids.length} characters, of which ${train.length} are for training (the rest validates): ` +
      `${(e as Error).message.replace(/^LMBatcher: /, '')}; use a longer text or a smaller --batch-size / --seq-len`);
  }
  let carry: RecurrentState | null = null;
  let history: CurvePoint[] = [];
  let startStep = 0, startSeconds = 0;
  if (resumed) {
    model.loadStateDict(resumed.model);
    if (resumed.optimizer) optimizer.loadStateDict(resumed.optimizer);
    rng.setState(resumed.meta.rng);
    batcher.setState(resumed.meta.data);
    const h = resumed.extra.get('carry.h');
    carry = h ? { h, c: resumed.extra.get('carry.c') ?? null } : null;
    history = resumed.meta.history;
    startStep = resumed.meta.step;
    startSeconds = resumed.meta.seconds;
  }
  const training = {
    seqLen: o.seqLen, batchSize: o.batchSize, optimizer: o.optimizer, lr: o.lr, weightDecay: o.weightDecay,
    clip: o.clip, seed: o.seed, valFraction: o.valFraction, source: o.source ?? null,
    evalEvery: o.evalEvery, evalTokens: o.evalTokens, sampleEvery: o.sampleEvery, checkpointEvery: o.checkpointEvery,
  };
  const named = model.namedParameters();
  const params = model.parameters();
  let lastTrainLoss = NaN;
  let tokensSeen = startStep * o.batchSize * o.seqLen;

  const save = (step: number, seconds: number) => {
    const extra = new Map<string, Tensor>();
    if (carry) {
      extra.set('carry.h', carry.h);
      if (carry.c) extra.set('carry.c', carry.c);
    }
    const meta: CharLMCheckpointMeta = {
      app: 'charlm', config, vocabulary: vocab.toJSON(), training, rng: rng.getState(),
      data: batcher.state(), step, seconds, history,
    };
    saveCheckpoint(ckptPath, { model: model.stateDict(), optimizer: optimizer.stateDict(), extra, meta });
    saveSafetensors(join(o.outDir, 'model.safetensors'), model.stateDict(), { format: 'pt', producer: 'rnnkit' });
    writeFileAtomic(join(o.outDir, 'config.json'), JSON.stringify({ model: config, vocabulary: vocab.toJSON(), training }, null, 2) + '\n');
    o.onCheckpoint?.(step, ckptPath);
  };

  const evaluate = (maxTokens?: number): Metrics => {
    const r = evaluateLM(model, validation, { batchSize: o.batchSize, maxTokens });
    return { loss: r.loss, bitsPerChar: r.bitsPerChar, perplexity: r.perplexity };
  };

  model.train();
  const result = trainLoop({
    params: named,
    optimizer,
    startStep,
    startSeconds,
    maxSteps: o.maxSteps,
    maxSeconds: o.maxSeconds,
    forward: () => {
      const w = batcher.next();
      if (w.startsEpoch) carry = null;
      const out = model.forward(w.x, o.seqLen, o.batchSize, carry);
      // Truncated BPTT: the next window starts from this state, cut off from this graph.
      carry = { h: out.state.h.detach(), c: out.state.c ? out.state.c.detach() : null };
      const loss = crossEntropy(out.logits, w.y, { reduction: 'mean' });
      return { loss, items: o.seqLen * o.batchSize };
    },
    clip: o.clip > 0 ? () => clipGradNorm(params, o.clip) : undefined,
    afterStep: (info) => {
      lastTrainLoss = info.loss;
      tokensSeen = info.step * o.batchSize * o.seqLen;
      o.onStep?.(info, { maxSteps: o.maxSteps, maxSeconds: o.maxSeconds });
      if (o.sampleEvery > 0 && info.step % o.sampleEvery === 0 && o.onSample) {
        o.onSample(info.step, generateText(model, vocab, { length: o.sampleLength, rng: new Random(info.step), temperature: 0.8 }));
      }
    },
    evalEvery: o.evalEvery,
    evaluate: () => evaluate(o.evalTokens),
    onEval: (step, metrics) => {
      history.push({ step, tokens: step * o.batchSize * o.seqLen, trainLoss: lastTrainLoss, valLoss: metrics.loss, lr: optimizer.lr });
      writeCurveFiles(o.outDir, history);
      o.onEval?.(step, metrics);
    },
    checkpointEvery: o.checkpointEvery,
    saveCheckpoint: save,
    shouldStop: o.shouldStop,
  });

  const final = evaluate();
  if (history.length === 0 || history[history.length - 1].step !== result.steps) {
    history.push({ step: result.steps, tokens: tokensSeen, trainLoss: lastTrainLoss, valLoss: final.loss, lr: optimizer.lr });
    save(result.steps, result.seconds);
  }
  writeCurveFiles(o.outDir, history);
  return { ...result, validationLoss: final.loss, checkpointPath: ckptPath, tokensSeen };
}

function prepareOutDir(dir: string): void {
  try {
    if (existsSync(dir) && !statSync(dir).isDirectory()) throw new Error('it exists and is not a folder');
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
  } catch (e) {
    throw new Error(`cannot write to the output folder ${dir}: ${(e as Error).message}`);
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
