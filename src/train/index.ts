// Training: losses, optimisers, gradient clipping, learning-rate schedules, the training loop and
// fit() on top of it, metrics, history, progress and checkpoints.
export { type Reduction } from './losses/reduction.js';
export { crossEntropy, type CrossEntropyOptions } from './losses/crossEntropy.js';
export { binaryCrossEntropyWithLogits, type BceWithLogitsOptions } from './losses/bce.js';
export { mseLoss, type MseOptions } from './losses/mse.js';
export { Optimizer, type OptimizerState, type HyperParams } from './optim/optimizer.js';
export { SGD, type SgdOptions } from './optim/sgd.js';
export { Adagrad, type AdagradOptions } from './optim/adagrad.js';
export { RMSprop, type RmspropOptions } from './optim/rmsprop.js';
export { Adam, type AdamOptions } from './optim/adam.js';
export { AdamW } from './optim/adamw.js';
export {
  sgdUpdate, adagradUpdate, rmspropUpdate, adamUpdate,
  type SgdHyper, type AdagradHyper, type RmspropHyper, type AdamHyper,
} from './optim/updates.js';
export { clipGradNorm, clipGradValue } from './clip.js';
export {
  LRSchedule, StepLR, ExponentialLR, CosineAnnealingLR, LinearWarmup, ReduceLROnPlateau,
  type HasLr, type ScheduleState, type PlateauState, type LinearWarmupOptions, type ReduceLROnPlateauOptions,
} from './schedules.js';
export { createOptimizer, OPTIMIZER_NAMES, type OptimizerName } from './optim/create.js';
export {
  trainLoop, type TrainLoopOptions, type TrainLoopResult, type BatchLoss, type Metrics, type StepInfo,
  type EarlyStopping, type StopReason,
} from './loop.js';
export { NonFiniteError } from './guards.js';
export { saveCheckpoint, loadCheckpoint, type CheckpointData } from './checkpoint.js';
export { fit, type FitOptions, type FitResult, type FitLossResult, type FitEvalResult, type FitValidation,
  type FitEarlyStopping, type FitCallbacks, type FitCheckpoint, type FitStepInfo, type FitStopReason } from './fit.js';
export { batchesOf, fixedBatches, type BatchSource, type BatchesOfOptions } from './batch-source.js';
export { History, historyPaths, type HistoryRow, type HistoryJSON } from './history.js';
export {
  accuracy, StreamingMean, MetricAccumulator,
  type AccuracyCounts, type AccuracyOptions, type StreamingMeanState, type BatchReport, type MetricAccumulatorState,
} from './metrics.js';
export { createProgress, type Progress, type ProgressUpdate, type ProgressBudget } from './progress.js';
