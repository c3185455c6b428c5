import { backward, noGrad } from '../tensor/autograd.js';
import { clipGradNorm } from '../train/clip.js';
import { NonFiniteError } from '../train/guards.js';
import { trainLoop } from '../train/loop.js';
import { createOptimizer } from '../train/optim/create.js';
import { Random } from '../util/random.js';
import { type ExplodingReport, type VanishingReport, detectExploding, detectVanishing, globalGradNorm } from './detect.js';
import { type JacobianNorms, jacobianNorms } from './jacobian.js';
import { type CellName, GradlabModel, predictions } from './model.js';
import { recordStateGradients, stateGradientNorms } from './state-grads.js';
import type { Task, TaskBatch } from './tasks/task.js';

// One gradient-lab experiment: a cell trained on a task at one distance, with or without
// gradient clipping, and everything measured along the way:
//   before training: ||dL/da<t>|| per time step and ||da<t>/da<t-1>|| on a fixed batch;
//   during: loss and global gradient norm (before clipping) per step, divergence caught;
//   after: ||dL/da<t>|| again, loss and accuracy on held-out sequences.

export interface ExperimentOptions {
  task: Task;
  cell: CellName;
  hiddenSize: number;
  batchSize: number;
  steps: number;
  lr: number;
  optimizer: 'adam' | 'sgd';
  /** Clip the global gradient norm to this; null: no clipping. */
  clip: number | null;
  seed: number;
  recurrentScale?: number;
  /** LSTM forget-gate / GRU update-gate bias offset (see GradlabModelOptions.memoryBias). */
  memoryBias?: number;
  /** Held-out sequences for the final evaluation; default 512. */
  evalSequences?: number;
  /** Sequences whose step Jacobians are built; default 4. */
  jacobianSequences?: number;
  /** Global gradient norm that counts as exploding; default 1e3. */
  explodeThreshold?: number;
  /** Ratio ||dL/da<1>|| / ||dL/da<T>|| below which gradients count as vanishing; default 1e-2. */
  vanishThreshold?: number;
}

export interface ExperimentResult {
  cell: CellName;
  clip: number | null;
  task: string;
  distance: number;
  length: number;
  stepsDone: number;
  seconds: number;
  losses: number[];
  gradNorms: number[];
  /** ||dL/da<t>||, t = 1..T, before and after training (trained: null when training diverged to NaN). */
  stateGradNorms: Float64Array;
  stateGradNormsTrained: Float64Array | null;
  jacobian: JacobianNorms;
  vanishing: VanishingReport;
  exploding: ExplodingReport;
  /** Held-out loss and accuracy (NaN when the weights became non-finite). */
  heldOutLoss: number;
  heldOutAccuracy: number;
  /** The error that stopped training (non-finite loss or gradient), if any. */
  stoppedBy: string | null;
}

export function runExperiment(o: ExperimentOptions): ExperimentResult {
  const { task } = o;
  const model = new GradlabModel({
    cell: o.cell, inputSize: task.inputSize, hiddenSize: o.hiddenSize, outputSize: task.outputSize,
    recurrentScale: o.recurrentScale, memoryBias: o.memoryBias, seed: o.seed,
  });
  const params = model.namedParameters();
  // Separate streams: training batches, the diagnostic batch, held-out sequences.
  const trainRng = new Random(o.seed * 7919 + 1);
  const probe = task.batch(new Random(o.seed * 7919 + 2), o.batchSize);
  const before = measureStateGradients(model, task, probe, o.jacobianSequences ?? 4);

  const optimizer = createOptimizer(o.optimizer, model.parameters(), { lr: o.lr });
  const losses: number[] = [], gradNorms: number[] = [];
  let stoppedBy: string | null = null;
  let currentLoss = NaN;
  const t0 = performance.now();
  try {
    trainLoop({
      params, optimizer, maxSteps: o.steps,
      forward: () => {
        const batch = task.batch(trainRng, o.batchSize);
        const { loss } = model.loss(task, batch);
        currentLoss = loss.item();
        return { loss, items: o.batchSize };
      },
      clip: () => (o.clip === null ? globalGradNorm(model.parameters()) : clipGradNorm(model.parameters(), o.clip)),
      afterStep: (info) => { losses.push(info.loss); gradNorms.push(info.gradNorm ?? NaN); },
    });
  } catch (e) {
    if (!(e instanceof NonFiniteError)) throw e;
    stoppedBy = e.message.replace(/; training stopped.*$/, '');
    // The step that failed never reached afterStep: record what it saw.
    losses.push(currentLoss);
    gradNorms.push(NaN);
  }
  const seconds = (performance.now() - t0) / 1000;
  const weightsFinite = params.every(([, p]) => p.data.every(Number.isFinite));
  const after = weightsFinite ? measureStateGradients(model, task, probe, 0).norms : null;
  const heldOut = weightsFinite ? evaluate(model, task, new Random(o.seed * 7919 + 3), o.evalSequences ?? 512, o.batchSize)
    : { loss: NaN, accuracy: NaN };

  return {
    cell: o.cell, clip: o.clip, task: task.name, distance: task.distance, length: task.length,
    stepsDone: losses.length, seconds, losses, gradNorms,
    stateGradNorms: before.norms, stateGradNormsTrained: after, jacobian: before.jacobian,
    vanishing: detectVanishing(before.norms, o.vanishThreshold),
    exploding: detectExploding(gradNorms, losses, { normThreshold: o.explodeThreshold }),
    heldOutLoss: heldOut.loss, heldOutAccuracy: heldOut.accuracy, stoppedBy,
  };
}

/** ||dL/da<t>|| on one batch (and the step Jacobian norms when jacobianSequences > 0). */
export function measureStateGradients(model: GradlabModel, task: Task, batch: TaskBatch, jacobianSequences: number):
  { norms: Float64Array; jacobian: JacobianNorms } {
  const { value: loss, layers } = recordStateGradients(() => model.loss(task, batch).loss);
  backward(loss);
  model.zeroGrad();
  const run = layers[0];
  const jacobian = jacobianSequences > 0 ? jacobianNorms(run.run, { sequences: jacobianSequences })
    : { spectral: new Float64Array(0), frobenius: new Float64Array(0), cellPath: null, sequences: 0 };
  return { norms: stateGradientNorms(run), jacobian };
}

/** Mean loss and accuracy over `count` fresh sequences, without gradients. */
export function evaluate(model: GradlabModel, task: Task, rng: Random, count: number, batchSize: number): { loss: number; accuracy: number } {
  model.eval();
  let lossSum = 0, answers = 0, correct = 0;
  try {
    noGrad(() => {
      for (let done = 0; done < count; done += batchSize) {
        const batch = task.batch(rng, Math.min(batchSize, count - done));
        const { loss, outputs } = model.loss(task, batch);
        const preds = predictions(task, outputs);
        lossSum += loss.item() * preds.length;
        answers += preds.length;
        preds.forEach((p, i) => { if (task.isCorrect(p, batch.targets[i])) correct++; });
      }
    });
  } finally {
    model.train();
  }
  return { loss: lossSum / answers, accuracy: correct / answers };
}
