import type { Random } from '../../util/random.js';
import { type Task, checkDistance, setOneHot } from './task.js';

// Copy / delayed recall: m symbols, then `distance` blanks, then a go marker and m - 1 more
// blanks, during which the model must output the m symbols in order.
//   input tokens: symbols 0..A-1, blank A, go A+1; T = m + distance + m
//   answers are read at the last m steps (the go marker and the blanks after it): symbol j is
//   needed distance + m steps after it was seen. Chance is 1/A.

export const COPY_ALPHABET = 8;

export function copyTask(distance: number, symbols = 3): Task {
  checkDistance('copy', distance, 0);
  if (!Number.isInteger(symbols) || symbols < 1) throw new Error(`copy: symbols must be a whole number >= 1, got ${symbols}`);
  const A = COPY_ALPHABET, V = A + 2, blank = A, go = A + 1;
  const m = symbols, T = 2 * m + distance;
  return {
    name: 'copy', distance, kind: 'classify', inputSize: V, outputSize: A, length: T,
    chanceAccuracy: 1 / A, chanceLoss: Math.log(A),
    batch(rng: Random, B: number) {
      const x = new Float32Array(T * B * V);
      const targets = new Int32Array(m * B);
      for (let b = 0; b < B; b++) {
        for (let j = 0; j < m; j++) {
          const s = rng.int(A);
          setOneHot(x, B, V, j, b, s);
          targets[j * B + b] = s;
        }
        for (let t = m; t < T; t++) setOneHot(x, B, V, t, b, t === T - m ? go : blank);
      }
      return { T, B, x, outputSteps: m, targets };
    },
    isCorrect: (p, t) => p === t,
  };
}
