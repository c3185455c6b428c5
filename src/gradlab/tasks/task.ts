import type { Random } from '../../util/random.js';

// A long-range task: batches of sequences generated from a seeded Random, where the answer
// depends on something seen `distance` steps before the model must give it.
//
//   x: [T, B, inputSize] time-major (one-hot tokens, or real features for the adding problem)
//   the model's outputs are read at the last `outputSteps` steps only; targets: [outputSteps, B]
//   (class ids for 'classify', values for 'regress').

export interface TaskBatch {
  T: number;
  B: number;
  x: Float32Array;
  outputSteps: number;
  targets: Int32Array | Float32Array;
}

export interface Task {
  name: string;
  /** The knob: steps between the information and the moment it is needed. */
  distance: number;
  kind: 'classify' | 'regress';
  inputSize: number;
  /** Classes (classify) or 1 (regress). */
  outputSize: number;
  /** Sequence length T. */
  length: number;
  /** Accuracy of guessing (classify) or of the best constant answer (regress), for the report. */
  chanceAccuracy: number;
  /** Loss of the best constant answer (log of the class count, or the target variance). */
  chanceLoss: number;
  batch(rng: Random, B: number): TaskBatch;
  /** A correct answer: exact class, or within `tolerance` of the target value. */
  isCorrect(predicted: number, target: number): boolean;
}

/** Sets x[t, b, id] = 1 (one-hot token at time t of sequence b). */
export function setOneHot(x: Float32Array, B: number, V: number, t: number, b: number, id: number): void {
  x[(t * B + b) * V + id] = 1;
}

export function checkDistance(task: string, distance: number, min: number): void {
  if (!Number.isInteger(distance) || distance < min) {
    throw new Error(`${task}: distance must be a whole number >= ${min}, got ${distance}`);
  }
}
