// Train / validation splits. Streams split contiguously (the last part validates, as nanoGPT's
// `data[:int(n*0.9)]`) so no validation text leaks into training through overlapping windows;
// item datasets split after a seeded shuffle.

import type { Random } from '../util/random.js';

function checkFraction(who: string, valFraction: number): void {
  if (!(valFraction >= 0 && valFraction < 1)) throw new Error(`${who}: valFraction must be in [0, 1), got ${valFraction}`);
}

/** Number of training items out of n: floor(n * (1 - valFraction)), as nanoGPT's int(n*0.9). */
function trainCount(who: string, n: number, valFraction: number): number {
  checkFraction(who, valFraction);
  const nTrain = Math.floor(n * (1 - valFraction));
  if (nTrain === 0) throw new Error(`${who}: ${n} items leave none for training with valFraction ${valFraction}`);
  return nTrain;
}

/** First floor(n * (1 - valFraction)) ids train, the rest validate; both are copies. */
export function splitTrainValidation(ids: Int32Array, valFraction = 0.1): { train: Int32Array; validation: Int32Array } {
  const nTrain = trainCount('splitTrainValidation', ids.length, valFraction);
  return { train: ids.slice(0, nTrain), validation: ids.slice(nTrain) };
}

/** A seeded shuffle of `items`, then the same split sizes as splitTrainValidation. */
export function shuffleSplit<T>(items: readonly T[], valFraction: number, rng: Random): { train: T[]; validation: T[] } {
  const nTrain = trainCount('shuffleSplit', items.length, valFraction);
  const order = rng.shuffle(items.map((_, i) => i));
  return { train: order.slice(0, nTrain).map((i) => items[i]), validation: order.slice(nTrain).map((i) => items[i]) };
}
