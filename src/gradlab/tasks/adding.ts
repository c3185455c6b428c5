import type { Random } from '../../util/random.js';
import type { Task } from './task.js';

// The adding problem (Hochreiter & Schmidhuber 1997; Le, Jaitly & Hinton 2015):
//   x_t = (value_t ~ U(0, 1), marker_t), exactly two markers are 1 (one in each half of the
//   sequence), the target at the last step is the sum of the two marked values. T = distance.
// Predicting the constant 1 gives MSE Var(u1 + u2) = 1/6 ≈ 0.167; a prediction counts as correct
// within 0.04 of the target (what a constant does about 11% of the time).

export const ADDING_TOLERANCE = 0.04;

export function addingTask(distance: number): Task {
  if (!Number.isInteger(distance) || distance < 2) throw new Error(`adding: distance (the sequence length T) must be a whole number >= 2, got ${distance}`);
  const T = distance, half = Math.floor(T / 2);
  return {
    name: 'adding', distance, kind: 'regress', inputSize: 2, outputSize: 1, length: T,
    chanceAccuracy: constantHitRate(ADDING_TOLERANCE), chanceLoss: 1 / 6,
    batch(rng: Random, B: number) {
      const x = new Float32Array(T * B * 2);
      const targets = new Float32Array(B);
      for (let b = 0; b < B; b++) {
        const first = rng.int(half), second = half + rng.int(T - half);
        for (let t = 0; t < T; t++) {
          x[(t * B + b) * 2] = rng.next();
          if (t === first || t === second) x[(t * B + b) * 2 + 1] = 1;
        }
        // The target is the sum of the stored (float32) values, so it is exact for the model.
        targets[b] = x[(first * B + b) * 2] + x[(second * B + b) * 2];
      }
      return { T, B, x, outputSteps: 1, targets };
    },
    isCorrect: (p, t) => Math.abs(p - t) < ADDING_TOLERANCE,
  };
}

/** P(|1 - (u1 + u2)| < tol) for u1, u2 ~ U(0, 1): the triangular density near its peak. */
function constantHitRate(tol: number): number {
  return 1 - (1 - tol) * (1 - tol);
}
