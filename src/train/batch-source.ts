import { bucketByLength, shuffledBatches } from '../data/batching.js';
import type { Random } from '../util/random.js';

// Where fit() takes its batches from: each epoch, an iterable of batches in an order drawn from
// the generator it is given. fit() resumes an epoch part-way by handing the same generator state
// to batches() again and skipping what was done, so the order must depend only on (epoch, rng).

export interface BatchSource<B> {
  batches(epoch: number, rng: Random): Iterable<B>;
  /** Batches per epoch, when known in advance (for the progress bar's total). */
  readonly batchesPerEpoch?: number;
}

export interface BatchesOfOptions<T, B> {
  batchSize: number;
  /** Turns the items of one batch into what the loss function takes (pad, stack, ...). */
  collate: (items: T[]) => B;
  /** A new random order every epoch; default true. */
  shuffle?: boolean;
  /**
   * Puts items of similar length together (less padding), still in a random order of batches:
   * true groups by `item.length`, a function by its value. Implies shuffle.
   */
  bucketBy?: boolean | ((item: T, index: number) => number);
  /** Batches per length-sorted chunk when bucketing (default 100). */
  chunkBatches?: number;
  /** Leaves out the last, short batch. */
  dropLast?: boolean;
}

/** Mini-batches of `items`, collated on demand, reshuffled (or re-bucketed) every epoch. */
export function batchesOf<T, B>(items: readonly T[], o: BatchesOfOptions<T, B>): BatchSource<B> {
  if (items.length === 0) throw new Error('batchesOf: there are no items to batch');
  if (!Number.isInteger(o.batchSize) || o.batchSize < 1) throw new Error(`batchesOf: batchSize must be a positive integer, got ${o.batchSize}`);
  const full = Math.floor(items.length / o.batchSize);
  const batchesPerEpoch = o.dropLast || full * o.batchSize === items.length ? full : full + 1;
  if (batchesPerEpoch === 0) throw new Error(`batchesOf: ${items.length} items make no full batch of ${o.batchSize} (dropLast)`);
  const shuffle = o.shuffle ?? true;
  return {
    batchesPerEpoch,
    batches(_epoch: number, rng: Random): Iterable<B> {
      // The order is drawn now, not when iteration starts, so the generator's state after this
      // call is the same whether or not any batch is taken.
      let order: number[][];
      if (o.bucketBy) {
        const key = typeof o.bucketBy === 'function' ? o.bucketBy : undefined;
        order = bucketByLength(items, o.batchSize, rng, { key, chunkBatches: o.chunkBatches, dropLast: o.dropLast });
      } else if (shuffle) {
        order = shuffledBatches(items.length, o.batchSize, rng, o.dropLast);
      } else {
        order = [];
        for (let i = 0; i + (o.dropLast ? o.batchSize : 1) <= items.length; i += o.batchSize) {
          order.push(Array.from({ length: Math.min(o.batchSize, items.length - i) }, (_, k) => i + k));
        }
      }
      return (function* () {
        for (const indices of order) yield o.collate(indices.map((i) => items[i]));
      })();
    },
  };
}

/** Fixed batches, in their own order each epoch or reshuffled with the epoch's generator. */
export function fixedBatches<B>(batches: readonly B[], shuffle: boolean): BatchSource<B> {
  if (batches.length === 0) throw new Error('fit: the array of training batches is empty');
  return {
    batchesPerEpoch: batches.length,
    batches: (_epoch, rng) => (shuffle ? rng.shuffle([...batches]) : batches),
  };
}
