// Seeded orders of item indices for mini-batches: a plain shuffle, or length buckets that put
// sequences of similar length together (less padding) while keeping batches random, like
// torchtext's BucketIterator: shuffle, sort within chunks of `chunkBatches` batches, cut into
// batches, shuffle the batches.

import type { Random } from '../util/random.js';

function checkBatchSize(who: string, batchSize: number): void {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`${who}: batchSize must be a positive integer, got ${batchSize}`);
}

function cut(order: readonly number[], batchSize: number, dropLast: boolean): number[][] {
  const batches: number[][] = [];
  for (let i = 0; i < order.length; i += batchSize) {
    const batch = order.slice(i, i + batchSize);
    if (batch.length === batchSize || !dropLast) batches.push(batch);
  }
  return batches;
}

/** 0..n-1 in a seeded random order, cut into batches; the last may be short unless dropLast. */
export function shuffledBatches(n: number, batchSize: number, rng: Random, dropLast = false): number[][] {
  if (!Number.isInteger(n) || n < 0) throw new Error(`shuffledBatches: n must be a non-negative integer, got ${n}`);
  checkBatchSize('shuffledBatches', batchSize);
  return cut(rng.shuffle(Array.from({ length: n }, (_, i) => i)), batchSize, dropLast);
}

export interface BucketOptions<T> {
  /** The length to group by; default `item.length`. */
  key?: (item: T, index: number) => number;
  /** Batches per sorted chunk (default 100): larger means tighter lengths but less randomness. */
  chunkBatches?: number;
  dropLast?: boolean;
}

/** Batches of indices of `items` with similar key lengths; every index appears once (unless dropLast). */
export function bucketByLength<T>(items: readonly T[], batchSize: number, rng: Random, options: BucketOptions<T> = {}): number[][] {
  checkBatchSize('bucketByLength', batchSize);
  const { chunkBatches = 100, dropLast = false } = options;
  if (!Number.isInteger(chunkBatches) || chunkBatches < 1) throw new Error(`bucketByLength: chunkBatches must be a positive integer, got ${chunkBatches}`);
  const key = options.key ?? ((item: T, i: number) => {
    const length = (item as { length?: unknown } | null)?.length;
    if (typeof length !== 'number') throw new Error(`bucketByLength: item ${i} has no numeric length; pass options.key`);
    return length;
  });
  const keys = items.map((item, i) => {
    const k = key(item, i);
    if (!Number.isFinite(k)) throw new Error(`bucketByLength: key of item ${i} is ${k}, expected a finite number`);
    return k;
  });
  const order = rng.shuffle(items.map((_, i) => i));
  const chunk = batchSize * chunkBatches;
  const batches: number[][] = [];
  for (let start = 0; start < order.length; start += chunk) {
    // Array.prototype.sort is stable, so equal lengths keep their shuffled order.
    const sorted = order.slice(start, start + chunk).sort((a, b) => keys[a] - keys[b]);
    batches.push(...cut(sorted, batchSize, false));
  }
  // Only the one short batch (the end of the last chunk) can be dropped; chunks are whole batches.
  if (dropLast && batches.length > 0 && batches[batches.length - 1].length < batchSize) batches.pop();
  return rng.shuffle(batches);
}
