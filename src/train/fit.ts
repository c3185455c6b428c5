/**
 * fit(): train any rnnkit model in a few lines, Keras-style, on top of trainLoop (which does the
 * forward/backward/guards/clip/update under step and time budgets). fit() adds epochs over a
 * batch source, validation metrics, a history (CSV + JSON), early stopping, schedules, progress
 * and checkpoints that resume to exactly the numbers of an uninterrupted run.
 *
 * @example
 *   const data = batchesOf(trainSet, { batchSize: 32, bucketBy: (s) => s.ids.length, collate: padAndLabel });
 *   const { history, metrics } = fit({
 *     model, optimizer: 'adam', lr: 1e-2, trainData: data, epochs: 10, clipNorm: 1,
 *     loss: (b, m) => {
 *       const logits = m.forward(b);
 *       return { loss: crossEntropy(logits, b.labels), items: b.labels.length, ...accuracy(logits, b.labels) };
 *     },
 *     validation: { data: batchesOf(validSet, { batchSize: 100, shuffle: false, collate: padAndLabel }) },
 *     earlyStopping: { metric: 'val_accuracy', patience: 3, restoreBest: true },
 *     historyPath: 'runs/clf/history.csv', checkpoint: { path: 'runs/clf/checkpoint.safetensors' }, resume: true,
 *     progress: true,
 *   });
 *   console.log(metrics.val_accuracy, history.column('val_loss'));
 *
 * Rows of the history, one per evaluation (each epoch end, or every `evalEvery` steps):
 *   step, epoch (1-based, the epoch the step belongs to), loss (mean training loss since the
 *   previous row), accuracy (when the loss function gives correct/total), <metrics>, perplexity
 *   (when asked), lr (of the last update), val_loss, val_accuracy, val_<metrics>, val_perplexity.
 */
import { existsSync } from 'node:fs';
import type { Module } from '../nn/module.js';
import { noGrad } from '../tensor/autograd.js';
import type { Tensor } from '../tensor/tensor.js';
import { Random, type RandomState } from '../util/random.js';
import { type BatchSource, fixedBatches } from './batch-source.js';
import { loadCheckpoint, saveCheckpoint } from './checkpoint.js';
import { clipGradNorm, clipGradValue } from './clip.js';
import { History, type HistoryJSON, type HistoryRow } from './history.js';
import { type StepInfo, type StopReason, trainLoop } from './loop.js';
import { MetricAccumulator, type MetricAccumulatorState } from './metrics.js';
import { type OptimizerName, createOptimizer } from './optim/create.js';
import type { Optimizer } from './optim/optimizer.js';
import { type Progress, type ProgressBudget, createProgress } from './progress.js';
import { LRSchedule, ReduceLROnPlateau, type PlateauState, type ScheduleState } from './schedules.js';

/** What the loss function reports for one training batch. */
export interface FitLossResult {
  /** Scalar loss to minimise (the batch mean, usually). */
  loss: Tensor;
  /** Items it averages over (sequences, tokens): the weight of this batch in the epoch's mean. */
  items: number;
  /** Counts for accuracy = Σcorrect / Σtotal (see accuracy() in ./metrics). */
  correct?: number;
  total?: number;
  /** Other per-batch means, averaged over the epoch like the loss. */
  metrics?: Record<string, number>;
}

/** What evaluation reports for one validation batch (the loss may be a plain number). */
export interface FitEvalResult extends Omit<FitLossResult, 'loss'> {
  loss: number | Tensor;
}

export interface FitValidation<V, M> {
  data: BatchSource<V> | readonly V[];
  /** Scores a batch, without gradients and in eval mode; default: the training loss function. */
  evaluate?: (batch: V, model: M) => FitEvalResult;
}

export interface FitEarlyStopping {
  /** A history column; default 'val_loss' (or 'loss' without validation). */
  metric?: string;
  /** Default 'max' for metrics named *acc*, 'min' otherwise. */
  mode?: 'min' | 'max';
  /** Evaluations without improvement before stopping. */
  patience: number;
  minDelta?: number;
  /** At the end, put back the weights of the best evaluation. */
  restoreBest?: boolean;
}

export interface FitStepInfo extends StepInfo {
  /** 1-based epoch and batch within it. */
  epoch: number;
  batch: number;
  /** The learning rate of this step's update. */
  lr: number;
}

export interface FitCallbacks {
  onStep?: (info: FitStepInfo) => void;
  onEval?: (step: number, row: HistoryRow) => void;
  /** The row is the evaluation at this epoch's end, when there was one. */
  onEpochEnd?: (epoch: number, row: HistoryRow | undefined) => void;
}

export interface FitCheckpoint {
  /** One safetensors file, replaced atomically. */
  path: string;
  /** Steps between saves, or 'epoch' (default); a final save comes at the end either way. */
  every?: number | 'epoch';
  /** Other generators the run draws from (dropout, ...), restored on resume. */
  random?: Record<string, Random>;
}

export interface FitOptions<B, M extends Module = Module, V = B> {
  model: M;
  /** An optimiser over model.parameters(), or a name created with `lr` and `weightDecay`. */
  optimizer: Optimizer | OptimizerName;
  lr?: number;
  weightDecay?: number;
  trainData: BatchSource<B> | readonly B[];
  /** For an array of batches: a new order each epoch (default true). */
  shuffle?: boolean;
  loss: (batch: B, model: M) => FitLossResult;
  validation?: FitValidation<V, M>;
  /** Adds perplexity = exp(mean loss) to the training and validation metrics. */
  perplexity?: boolean;
  epochs?: number;
  /** Total steps, counting those before a resume. */
  maxSteps?: number;
  maxSeconds?: number;
  /** Evaluate every this many steps instead of at each epoch end. */
  evalEvery?: number;
  clipNorm?: number;
  clipValue?: number;
  /** ReduceLROnPlateau steps after every evaluation with `scheduleMetric`. */
  schedule?: LRSchedule | ReduceLROnPlateau;
  /** When an LRSchedule steps: after each epoch (default, PyTorch's convention) or each update. */
  scheduleEvery?: 'epoch' | 'step';
  /** Default: the early-stopping metric, else 'val_loss' (or 'loss'). */
  scheduleMetric?: string;
  earlyStopping?: FitEarlyStopping;
  callbacks?: FitCallbacks;
  /** true: a bar on a terminal, lines otherwise (on stderr). Default false. */
  progress?: boolean | Progress;
  /** The history's CSV path; the JSON goes beside it. Rewritten at every evaluation. */
  historyPath?: string;
  checkpoint?: FitCheckpoint;
  /** Continue from checkpoint.path when it exists (a fresh start when it does not). */
  resume?: boolean;
  /** Draws the batch orders; default new Random(seed ?? 0). Keep dropout on another generator. */
  rng?: Random;
  seed?: number;
  /** Polled after each step; true ends training with a checkpoint (Ctrl-C). */
  shouldStop?: () => boolean;
}

export type FitStopReason = 'epochs' | StopReason | 'finished-before';

export interface FitResult {
  history: History;
  /** The last row of the history (a final row is added when training stopped between evaluations). */
  metrics: HistoryRow;
  /** The best evaluation's row, with early stopping. */
  best?: HistoryRow;
  steps: number;
  /** Epochs completed. */
  epochs: number;
  seconds: number;
  reason: FitStopReason;
  optimizer: Optimizer;
}

interface FitCheckpointMeta {
  app: 'fit';
  step: number;
  seconds: number;
  epoch: number;
  position: number;
  epochStartRng: RandomState | null;
  rng: RandomState;
  random: Record<string, RandomState>;
  history: HistoryJSON;
  train: MetricAccumulatorState;
  early: { best: number | null; bestRow: number | null; sinceBest: number; stopped: boolean };
  schedule: ScheduleState | PlateauState | null;
}

export function fit<B, M extends Module = Module, V = B>(o: FitOptions<B, M, V>): FitResult {
  if (o.epochs === undefined && o.maxSteps === undefined && o.maxSeconds === undefined) {
    throw new Error('fit: give epochs, maxSteps or maxSeconds, or it would run forever');
  }
  if (o.epochs !== undefined && !(Number.isInteger(o.epochs) && o.epochs >= 1)) throw new Error(`fit: epochs must be a positive integer, got ${o.epochs}`);
  if (o.evalEvery !== undefined && !(Number.isInteger(o.evalEvery) && o.evalEvery >= 1)) throw new Error(`fit: evalEvery must be a positive integer, got ${o.evalEvery}`);
  if (o.resume && !o.checkpoint) throw new Error('fit: resume needs checkpoint.path');
  if (o.schedule instanceof ReduceLROnPlateau && o.scheduleEvery === 'step') throw new Error('fit: ReduceLROnPlateau steps after evaluations, not with scheduleEvery: \'step\'');
  const { model } = o;
  const optimizer = typeof o.optimizer === 'string'
    ? createOptimizer(o.optimizer, model.parameters(), { lr: o.lr ?? 1e-3, weightDecay: o.weightDecay })
    : o.optimizer;
  const source: BatchSource<B> = Array.isArray(o.trainData) ? fixedBatches(o.trainData as readonly B[], o.shuffle ?? true) : o.trainData as BatchSource<B>;
  const validation = o.validation;
  const valSource = validation
    ? (Array.isArray(validation.data) ? fixedBatches(validation.data as readonly V[], false) : validation.data as BatchSource<V>)
    : undefined;
  const evaluateBatch = validation?.evaluate ?? (o.loss as unknown as (b: V, m: M) => FitEvalResult);
  const rng = o.rng ?? new Random(o.seed ?? 0);
  const monitor = o.earlyStopping?.metric ?? (validation ? 'val_loss' : 'loss');
  const monitorMode = o.earlyStopping?.mode ?? (/acc/.test(monitor) ? 'max' : 'min');
  const plateauMetric = o.scheduleMetric ?? monitor;
  const named = model.namedParameters();
  const params = named.map(([, t]) => t);

  // Run state: everything below goes into checkpoints.
  let history = new History();
  let trainMetrics = new MetricAccumulator();
  let epoch = 0, position = 0, startStep = 0, startSeconds = 0;
  let epochStartRng: RandomState | null = null;
  let best: number | undefined, bestRowIndex: number | undefined, sinceBest = 0, stoppedEarly = false;
  let bestWeights: Map<string, Tensor> | undefined;

  let iterator: Iterator<B> | null = null;
  let pending: IteratorResult<B> | null = null;
  const startEpoch = () => {
    epochStartRng = rng.getState();
    iterator = source.batches(epoch, rng)[Symbol.iterator]();
    pending = iterator.next();
    if (pending.done) throw new Error(`fit: the training data gave no batches for epoch ${epoch + 1}`);
  };

  if (o.resume && o.checkpoint && existsSync(o.checkpoint.path)) {
    const path = o.checkpoint.path;
    const c = loadCheckpoint<FitCheckpointMeta>(path);
    const m = c.meta;
    if (m.app !== 'fit') throw new Error(`fit: ${path} was not written by fit() (app '${String(m.app)}')`);
    model.loadStateDict(c.model);
    if (c.optimizer) optimizer.loadStateDict(c.optimizer);
    history = History.fromJSON(m.history, `${path} (history)`);
    trainMetrics = MetricAccumulator.from(m.train);
    ({ epoch, position, step: startStep, seconds: startSeconds } = m);
    best = m.early.best ?? undefined;
    bestRowIndex = m.early.bestRow ?? undefined;
    sinceBest = m.early.sinceBest;
    stoppedEarly = m.early.stopped;
    const bestEntries = [...c.extra].filter(([k]) => k.startsWith('best.'));
    if (bestEntries.length) bestWeights = new Map(bestEntries.map(([k, t]) => [k.slice(5), t]));
    if (o.schedule && m.schedule) {
      if (o.schedule instanceof ReduceLROnPlateau) o.schedule.loadStateDict(m.schedule as PlateauState);
      else o.schedule.loadStateDict(m.schedule as ScheduleState);
    }
    for (const [name, r] of Object.entries(o.checkpoint.random ?? {})) {
      if (!m.random[name]) throw new Error(`fit: ${path} has no state for the generator '${name}' (it has ${Object.keys(m.random).join(', ') || 'none'})`);
      r.setState(m.random[name]);
    }
    if (m.epochStartRng) {
      // Re-create this epoch's batch order and skip the batches already trained on.
      rng.setState(m.epochStartRng);
      startEpoch();
      for (let i = 0; i < position; i++) pending = iterator!.next();
      if (pending!.done) throw new Error(`fit: resuming epoch ${epoch + 1} at batch ${position + 1}, but the training data now ends before that batch; the data or its order changed (it must depend only on the epoch and the generator)`);
    }
    rng.setState(m.rng);
  }

  const save = (step: number, seconds: number) => {
    if (!o.checkpoint) return;
    const random: Record<string, RandomState> = {};
    for (const [name, r] of Object.entries(o.checkpoint.random ?? {})) random[name] = r.getState();
    const meta: FitCheckpointMeta = {
      app: 'fit', step, seconds, epoch, position, epochStartRng, rng: rng.getState(), random,
      history: history.toJSON(), train: trainMetrics.state(),
      early: { best: best ?? null, bestRow: bestRowIndex ?? null, sinceBest, stopped: stoppedEarly },
      schedule: o.schedule ? o.schedule.stateDict() : null,
    };
    const extra = new Map<string, Tensor>();
    for (const [k, t] of bestWeights ?? []) extra.set(`best.${k}`, t);
    saveCheckpoint(o.checkpoint.path, { model: model.stateDict(), optimizer: optimizer.stateDict(), extra, meta });
  };

  const validate = (): Record<string, number> => {
    if (!valSource || !validation) return {};
    const acc = new MetricAccumulator();
    model.eval();
    try {
      noGrad(() => {
        // A generator of its own: validation never shifts the training order.
        for (const batch of valSource.batches(0, new Random(0))) {
          const r = evaluateBatch(batch, model);
          acc.add({ ...r, loss: typeof r.loss === 'number' ? r.loss : r.loss.item() });
        }
      });
    } finally {
      model.train();
    }
    if (acc.isEmpty()) throw new Error('fit: the validation data gave no batches');
    return prefixed('val_', acc.summary({ perplexity: o.perplexity }));
  };

  const ownProgress = o.progress === true;
  const budget: ProgressBudget = { maxSteps: estimatedSteps(o.epochs, source.batchesPerEpoch, o.maxSteps), maxSeconds: o.maxSeconds, unit: 'items' };
  const progress = o.progress === true ? createProgress(budget) : o.progress || undefined;

  let lastLr = optimizer.lr;
  let lastReport: FitLossResult | null = null;
  let stopReason: FitStopReason | null = null;
  let epochStartStep = startStep - position;
  const every = o.checkpoint?.every ?? 'epoch';

  const record = (step: number): HistoryRow => {
    const row = history.add({
      // Between epochs (position 0), a row belongs to the epoch just finished.
      step, epoch: position === 0 && epoch > 0 ? epoch : epoch + 1, ...trainMetrics.summary({ perplexity: o.perplexity }), lr: lastLr, ...validate(),
    });
    trainMetrics.reset();
    if (o.historyPath) history.write(o.historyPath);
    progress?.validation(step, row.val_loss ?? row.loss!);
    o.callbacks?.onEval?.(step, row);
    if (o.schedule instanceof ReduceLROnPlateau) o.schedule.step(metricOf(row, plateauMetric, 'the schedule'));
    if (o.earlyStopping) {
      const es = o.earlyStopping;
      const v = metricOf(row, monitor, 'early stopping');
      const d = es.minDelta ?? 0;
      if (best === undefined || (monitorMode === 'min' ? v < best - d : v > best + d)) {
        best = v;
        bestRowIndex = history.length - 1;
        sinceBest = 0;
        if (es.restoreBest) bestWeights = new Map(named.map(([k, t]) => [k, t.clone()]));
      } else if (++sinceBest >= es.patience) {
        stoppedEarly = true;
        stopReason = 'early-stopping';
      }
    }
    return row;
  };

  const done = (o.epochs !== undefined && epoch >= o.epochs) || stoppedEarly || (o.maxSteps !== undefined && startStep >= o.maxSteps);
  let loopResult = { steps: startStep, seconds: startSeconds, reason: 'steps' as StopReason };
  model.train();
  try {
    if (!done) {
      loopResult = trainLoop({
        params: named, optimizer, startStep, startSeconds, maxSteps: o.maxSteps, maxSeconds: o.maxSeconds,
        forward: () => {
          if (!iterator) startEpoch();
          lastLr = optimizer.lr;
          lastReport = o.loss(pending!.value as B, model);
          return lastReport;
        },
        clip: o.clipNorm !== undefined ? () => clipGradNorm(params, o.clipNorm!)
          : o.clipValue !== undefined ? () => { clipGradValue(params, o.clipValue!); return undefined; } : undefined,
        afterStep: (info) => {
          const r = lastReport!;
          trainMetrics.add({ ...r, loss: info.loss });
          position++;
          if (o.schedule instanceof LRSchedule && o.scheduleEvery === 'step') o.schedule.step();
          pending = iterator!.next();
          const epochEnded = pending.done === true;
          o.callbacks?.onStep?.({ ...info, epoch: epoch + 1, batch: position, lr: lastLr });
          progress?.update(info);
          const row = (o.evalEvery ? info.step % o.evalEvery === 0 : epochEnded) ? record(info.step) : undefined;
          if (epochEnded) {
            if (o.schedule instanceof LRSchedule && o.scheduleEvery !== 'step') o.schedule.step();
            o.callbacks?.onEpochEnd?.(epoch + 1, row);
            if (epoch === 0 || budget.maxSteps === undefined) budget.maxSteps = estimatedSteps(o.epochs, info.step - epochStartStep, o.maxSteps);
            epoch++;
            position = 0;
            epochStartRng = null;
            iterator = null;
            epochStartStep = info.step;
            if (o.epochs !== undefined && epoch >= o.epochs) stopReason ??= 'epochs';
            if (every === 'epoch') save(info.step, info.elapsedSeconds);
          }
        },
        checkpointEvery: typeof every === 'number' ? every : undefined,
        saveCheckpoint: o.checkpoint ? save : undefined,
        shouldStop: () => stopReason !== null || (o.shouldStop?.() ?? false),
      });
    }
  } finally {
    if (ownProgress) progress?.stop();
  }
  const reason: FitStopReason = done ? 'finished-before' : stopReason ?? loopResult.reason;

  // Stopped between evaluations (a step or time budget, an interrupt): one more row says where.
  if (!trainMetrics.isEmpty() && !done) record(loopResult.steps);
  if (o.earlyStopping?.restoreBest && bestWeights) model.loadStateDict(bestWeights);
  return {
    history, metrics: history.last ?? { step: loopResult.steps },
    best: bestRowIndex !== undefined ? history.rows[bestRowIndex] : undefined,
    steps: loopResult.steps, epochs: epoch, seconds: loopResult.seconds, reason, optimizer,
  };
}

function prefixed(prefix: string, metrics: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(metrics).map(([k, v]) => [prefix + k, v]));
}

function metricOf(row: HistoryRow, name: string, who: string): number {
  const v = row[name];
  if (v === undefined) throw new Error(`fit: ${who} watches '${name}', but the history rows have only ${Object.keys(row).join(', ')}`);
  return v;
}

function estimatedSteps(epochs: number | undefined, perEpoch: number | undefined, maxSteps: number | undefined): number | undefined {
  const byEpochs = epochs !== undefined && perEpoch !== undefined ? epochs * perEpoch : undefined;
  if (byEpochs === undefined) return maxSteps;
  return maxSteps === undefined ? byEpochs : Math.min(byEpochs, maxSteps);
}
