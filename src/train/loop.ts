import { backward } from '../tensor/autograd.js';
import type { Tensor } from '../tensor/tensor.js';
import { assertFiniteGradients, assertFiniteLoss } from './guards.js';

// The training loop every application shares: forward (given by the caller), backward, guards,
// clipping, optimiser step, schedules, evaluation, early stopping and checkpoints, under a step
// and/or wall-clock budget. Applications supply what differs (how a batch becomes a loss).

/** What the loop needs of an optimiser (see ./optim). */
export interface StepOptimizer {
  step(): void;
  zeroGrad(): void;
}

export interface BatchLoss {
  loss: Tensor;
  /** Items in the batch (tokens, sequences), for throughput. */
  items: number;
}

export type Metrics = Record<string, number>;

export interface StepInfo {
  step: number;
  loss: number;
  /** Global gradient norm before clipping, when clipping by norm. */
  gradNorm?: number;
  itemsPerSecond: number;
  elapsedSeconds: number;
}

export interface EarlyStopping {
  /** Metric returned by evaluate(), e.g. 'loss'. */
  metric: string;
  mode?: 'min' | 'max';
  /** Evaluations without improvement before stopping. */
  patience: number;
  minDelta?: number;
}

export interface TrainLoopOptions {
  /** Named parameters (for NaN messages), in the optimiser's order. */
  params: readonly [string, Tensor][];
  optimizer: StepOptimizer;
  /** Runs the forward pass on the next batch. `step` is the 1-based number of this step. */
  forward: (step: number) => BatchLoss;
  /** Steps already done (resuming); the loop continues from startStep + 1. */
  startStep?: number;
  /** Seconds already trained (resuming), counted against maxSeconds. */
  startSeconds?: number;
  maxSteps?: number;
  maxSeconds?: number;
  /** Clips the gradient before each update; returns the norm before clipping (reported). */
  clip?: () => number | undefined;
  /** Called after every optimiser step (per-step learning-rate schedules). */
  afterStep?: (info: StepInfo) => void;
  evalEvery?: number;
  evaluate?: () => Metrics;
  onEval?: (step: number, metrics: Metrics) => void;
  earlyStopping?: EarlyStopping;
  checkpointEvery?: number;
  /** Saves everything needed to resume after `step` steps and `seconds` of training. */
  saveCheckpoint?: (step: number, seconds: number) => void;
  /** Polled after each step; true ends the loop (e.g. on Ctrl-C) with a checkpoint. */
  shouldStop?: () => boolean;
}

export type StopReason = 'steps' | 'time' | 'early-stopping' | 'interrupted';

export interface TrainLoopResult {
  steps: number;
  seconds: number;
  reason: StopReason;
  lastLoss: number;
  bestMetric?: number;
}

export function trainLoop(o: TrainLoopOptions): TrainLoopResult {
  if (o.maxSteps === undefined && o.maxSeconds === undefined && !o.shouldStop) {
    throw new Error('trainLoop: give maxSteps or maxSeconds (or shouldStop), or it would run forever');
  }
  let step = o.startStep ?? 0;
  const startSeconds = o.startSeconds ?? 0;
  const t0 = performance.now();
  const seconds = () => startSeconds + (performance.now() - t0) / 1000;
  let lastLoss = NaN;
  let best: number | undefined;
  let sinceBest = 0;
  let reason: StopReason = 'steps';
  let lastSaved = step;

  for (;;) {
    if (o.maxSteps !== undefined && step >= o.maxSteps) { reason = 'steps'; break; }
    if (o.maxSeconds !== undefined && seconds() >= o.maxSeconds) { reason = 'time'; break; }
    const stepStart = performance.now();
    step++;
    o.optimizer.zeroGrad();
    const { loss, items } = o.forward(step);
    lastLoss = loss.item();
    assertFiniteLoss(step, lastLoss);
    backward(loss);
    assertFiniteGradients(step, o.params);
    const gradNorm = o.clip?.();
    o.optimizer.step();
    const info: StepInfo = {
      step, loss: lastLoss, gradNorm, elapsedSeconds: seconds(),
      itemsPerSecond: items / Math.max(1e-9, (performance.now() - stepStart) / 1000),
    };
    o.afterStep?.(info);

    if (o.evaluate && o.evalEvery && step % o.evalEvery === 0) {
      const metrics = o.evaluate();
      o.onEval?.(step, metrics);
      if (o.earlyStopping) {
        const es = o.earlyStopping;
        const v = metrics[es.metric];
        if (v === undefined) throw new Error(`early stopping watches '${es.metric}', but evaluate() returned only ${Object.keys(metrics).join(', ')}`);
        const better = best === undefined || ((es.mode ?? 'min') === 'min' ? v < best - (es.minDelta ?? 0) : v > best + (es.minDelta ?? 0));
        if (better) { best = v; sinceBest = 0; } else if (++sinceBest >= es.patience) { reason = 'early-stopping'; break; }
      }
    }
    if (o.saveCheckpoint && o.checkpointEvery && step % o.checkpointEvery === 0) {
      o.saveCheckpoint(step, seconds());
      lastSaved = step;
    }
    if (o.shouldStop?.()) { reason = 'interrupted'; break; }
  }
  const total = seconds();
  if (o.saveCheckpoint && lastSaved !== step) o.saveCheckpoint(step, total);
  return { steps: step, seconds: total, reason, lastLoss, bestMetric: best };
}
