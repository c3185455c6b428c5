// Pads variable-length id sequences into one rectangular batch.
// seqs: B sequences -> ids: [T, B] (time-major, default) or [B, T]; lengths: [B]; mask: same
// layout as ids, 1 on real steps and 0 on padding. T is the longest length, or maxLen.

export interface PadBatchOptions {
  padId: number;
  /** [T, B] when true (the layout the recurrent layers use), [B, T] when false. Default true. */
  timeMajor?: boolean;
  /** Fixed T: longer sequences are cut to their first maxLen ids, shorter ones padded to it. */
  maxLen?: number;
}

export interface PaddedBatch {
  ids: Int32Array;
  lengths: Int32Array;
  mask: Float32Array;
  /** [T, B] or [B, T], matching timeMajor. */
  shape: [number, number];
  timeMajor: boolean;
}

export function padBatch(seqs: readonly (readonly number[] | Int32Array)[], options: PadBatchOptions): PaddedBatch {
  const { padId, timeMajor = true, maxLen } = options;
  const B = seqs.length;
  if (B === 0) throw new Error('padBatch: the batch has no sequences');
  if (!Number.isInteger(padId)) throw new Error(`padBatch: padId must be an integer, got ${padId}`);
  if (maxLen !== undefined && (!Number.isInteger(maxLen) || maxLen < 1)) throw new Error(`padBatch: maxLen must be a positive integer, got ${maxLen}`);
  const lengths = new Int32Array(B);
  for (let b = 0; b < B; b++) lengths[b] = maxLen === undefined ? seqs[b].length : Math.min(seqs[b].length, maxLen);
  const T = maxLen ?? lengths.reduce((m, v) => Math.max(m, v), 0);
  const ids = new Int32Array(T * B).fill(padId);
  const mask = new Float32Array(T * B);
  for (let b = 0; b < B; b++) {
    const seq = seqs[b];
    for (let t = 0; t < lengths[b]; t++) {
      const id = seq[t];
      if (!Number.isInteger(id)) throw new Error(`padBatch: sequence ${b} has a non-integer id ${id} at step ${t}`);
      const k = timeMajor ? t * B + b : b * T + t;
      ids[k] = id;
      mask[k] = 1;
    }
  }
  return { ids, lengths, mask, shape: timeMajor ? [T, B] : [B, T], timeMajor };
}
