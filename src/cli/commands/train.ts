import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { readTextCorpus } from '../../data/text-corpus.js';
import { CHARLM_DEFAULTS, CHECKPOINT_FILE } from '../../apps/charlm/train.js';
import { loadCheckpoint } from '../../train/checkpoint.js';
import { OPTIMIZER_NAMES } from '../../train/optim/create.js';
import { createProgress } from '../../train/progress.js';
import { TrainRun, TrainWorkerError } from '../train-worker.js';
import { choice, float, positiveInt, selectBackend, builtInTextPath, UsageError } from '../options.js';
import { writeLearningCurvePlot } from './plot.js';

interface TrainFlags {
  data?: string; out: string; cell?: string; activation?: string; hidden?: number; layers?: number;
  embedding?: number; dropout?: number; seqLen?: number; batchSize?: number; optimizer?: string; lr?: number;
  weightDecay?: number; clip?: number; minutes?: number; steps?: number; seed?: number; evalEvery?: number;
  evalTokens?: number; sampleEvery?: number; checkpointEvery?: number; backend?: string; threads?: number;
  resume?: boolean; force?: boolean; plot: boolean;
}

export function registerTrain(program: Command): void {
  const d = CHARLM_DEFAULTS;
  program.command('train')
    .description('train a character-level language model (default: an LSTM on the built-in Tiny Shakespeare)')
    .option('--data <path>', 'a text file, or a folder of .txt files (default: built-in Tiny Shakespeare)')
    .option('--out <dir>', 'run folder for checkpoints, learning curve and plot', 'runs/charlm')
    .option('--cell <type>', `recurrent cell: lstm, gru or rnn (default ${d.cell})`, choice('cell', ['lstm', 'gru', 'rnn']))
    .option('--activation <g>', 'nonlinearity of --cell rnn: tanh, relu, leaky_relu or sigmoid', choice('activation', ['tanh', 'relu', 'leaky_relu', 'sigmoid']))
    .option('--hidden <n>', `hidden size (default ${d.hiddenSize})`, positiveInt('hidden'))
    .option('--layers <n>', `stacked recurrent layers (default ${d.numLayers})`, positiveInt('layers'))
    .option('--embedding <n>', `character embedding size (default ${d.embeddingDim})`, positiveInt('embedding'))
    .option('--dropout <p>', `dropout between layers and before the output, 0..1 (default ${d.dropout})`, float('dropout', 0, 0.99))
    .option('--seq-len <n>', `characters per window for backpropagation through time (default ${d.seqLen})`, positiveInt('seq-len'))
    .option('--batch-size <n>', `parallel streams (default ${d.batchSize})`, positiveInt('batch-size'))
    .option('--optimizer <name>', `${OPTIMIZER_NAMES.join(', ')} (default ${d.optimizer})`, choice('optimizer', [...OPTIMIZER_NAMES]))
    .option('--lr <x>', `learning rate (default ${d.lr})`, float('lr', 0, 10))
    .option('--weight-decay <x>', `weight decay (default ${d.weightDecay})`, float('weight-decay', 0, 1))
    .option('--clip <x>', `clip the gradient norm at x, 0 = off (default ${d.clip})`, float('clip', 0, 1e9))
    .option('--minutes <m>', 'wall-clock training budget in minutes (default 10 unless --steps is given)', float('minutes', 0, 1e6))
    .option('--steps <n>', 'total optimiser steps (resumed runs count earlier steps)', positiveInt('steps'))
    .option('--seed <n>', `random seed (default ${d.seed})`, positiveInt('seed', 0))
    .option('--eval-every <n>', `validate every n steps (default ${d.evalEvery})`, positiveInt('eval-every'))
    .option('--eval-tokens <n>', `validation characters scored at each periodic evaluation (default ${d.evalTokens}; the final evaluation scores all)`, positiveInt('eval-tokens'))
    .option('--sample-every <n>', `print a sample every n steps, 0 = never (default ${d.sampleEvery})`, positiveInt('sample-every', 0))
    .option('--checkpoint-every <n>', `save a checkpoint every n steps (default ${d.checkpointEvery})`, positiveInt('checkpoint-every'))
    .option('--backend <name>', 'compute backend: native, wasm or js (default: RNNKIT_BACKEND, else the fastest that loads)')
    .option('--threads <n>', 'threads for backends that have them', positiveInt('threads'))
    .option('--resume', 'continue the run in --out from its last checkpoint')
    .option('--force', 'start afresh even if --out already holds a checkpoint (it is overwritten)')
    .option('--no-plot', 'do not write learning-curve.svg at the end')
    .action(async (f: TrainFlags) => {
      selectBackend(f.backend, f.threads);
      if (f.resume && f.force) throw new UsageError('--resume and --force contradict each other');
      const ckpt = join(f.out, CHECKPOINT_FILE);
      if (!f.resume && !f.force && existsSync(ckpt)) {
        throw new UsageError(`${f.out} already holds a checkpoint; add --resume to continue it, --force to overwrite it, or choose another --out`);
      }
      if (f.resume && !existsSync(ckpt)) throw new UsageError(`--resume: ${f.out} has no ${CHECKPOINT_FILE} to continue from`);
      const modelFlags = (['cell', 'activation', 'hidden', 'layers', 'embedding', 'dropout'] as const).filter((k) => f[k] !== undefined);
      if (f.resume && modelFlags.length) {
        throw new UsageError(`--resume continues the checkpoint's own model; drop ${modelFlags.map((k) => `--${k}`).join(', ')} (or train a new model in another --out)`);
      }
      // A resumed run keeps its own data source and batch/optimiser settings unless flags say otherwise.
      const stored: Record<string, unknown> = f.resume ? (loadCheckpoint(ckpt).meta as { training?: Record<string, unknown> }).training ?? {} : {};
      const inherit = <T>(flag: T | undefined, key: string): T | undefined => flag ?? (stored[key] ?? undefined) as T | undefined;
      const source = f.data ?? (stored.source as string | null | undefined) ?? builtInTextPath();
      const text = readTextCorpus(source);
      const maxSeconds = f.minutes !== undefined ? f.minutes * 60 : f.steps === undefined ? 600 : undefined;

      const progress = createProgress({ maxSteps: f.steps, maxSeconds });
      progress.log(`training on ${source} (${text.length} characters) -> ${f.out}`);
      const run = new TrainRun({
        text, source, outDir: f.out, cell: f.cell as never, nonlinearity: f.activation as never,
        hiddenSize: f.hidden, numLayers: f.layers, embeddingDim: f.embedding, dropout: f.dropout,
        seqLen: inherit(f.seqLen, 'seqLen'), batchSize: inherit(f.batchSize, 'batchSize'),
        optimizer: inherit(f.optimizer, 'optimizer') as never, lr: inherit(f.lr, 'lr'),
        weightDecay: inherit(f.weightDecay, 'weightDecay'), clip: inherit(f.clip, 'clip'), seed: inherit(f.seed, 'seed'),
        maxSteps: f.steps, maxSeconds, evalEvery: inherit(f.evalEvery, 'evalEvery'), evalTokens: inherit(f.evalTokens, 'evalTokens'),
        sampleEvery: inherit(f.sampleEvery, 'sampleEvery'), checkpointEvery: inherit(f.checkpointEvery, 'checkpointEvery'), resume: f.resume,
      }, f.backend, {
        onStep: (info) => progress.update(info),
        onEval: (step, loss) => progress.validation(step, loss),
        onSample: (step, sample) => progress.log(`--- sample at step ${step} ---\n${sample}\n---`),
      });
      const onSigint = () => {
        if (run.stopRequested) process.exit(130);
        run.requestStop();
        progress.log('interrupt: finishing this step and saving a checkpoint (press Ctrl-C again to quit at once)');
      };
      process.on('SIGINT', onSigint);
      try {
        const r = await run.result;
        progress.stop();
        const bits = r.validationLoss / Math.LN2;
        process.stdout.write(`${r.reason === 'interrupted' ? 'interrupted' : 'done'}: ${r.steps} steps, ${r.tokensSeen} characters in ${r.seconds.toFixed(0)} s; ` +
          `validation loss ${r.validationLoss.toFixed(4)} nats/char (${bits.toFixed(4)} bits/char)\ncheckpoint: ${r.checkpointPath}\n` +
          `sample it: npx rnnkit sample ${f.out}${r.reason === 'interrupted' ? `\nresume: npx rnnkit train --out ${f.out} --resume` : ''}\n`);
        if (f.plot) process.stdout.write(`learning curve: ${await writeLearningCurvePlot(f.out)}\n`);
        if (r.reason === 'interrupted') process.exitCode = 130;
      } catch (e) {
        progress.stop();
        if (e instanceof TrainWorkerError && e.nonFinite) {
          throw new Error(`${e.message} (${existsSync(ckpt) ? `last good checkpoint: ${ckpt}` : 'it diverged before the first checkpoint'})`);
        }
        throw e;
      } finally {
        process.off('SIGINT', onSigint);
      }
    });
}
