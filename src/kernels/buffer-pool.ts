// Float32Arrays handed back for reuse, by length. A recurrent layer's saved activations are tens
// of megabytes per training step (W5: 46 MB), and a fresh Float32Array of that size costs the
// kernel's page faults and zeroing on first touch, then garbage collection: 10% of a W5 step on
// the native backend. A layer's backward gives its buffers back; the next forward of the same
// shape takes them. A buffer taken from the pool holds stale values, not zeros: callers take
// only what their kernel writes completely before reading (or zero it themselves).

/** Buffers kept per length: a forward pass of two stacked layers holds two of each. */
const KEEP_PER_LENGTH = 4;
/** Total floats kept (1 GB), so that a model that shrinks does not pin its old sizes forever. */
const KEEP_FLOATS = 256 * 1024 * 1024;

export class BufferPool {
  private readonly free = new Map<number, Float32Array[]>();
  private kept = 0;

  /** A buffer of n floats, reused if one was given back (stale contents), else new (zeros). */
  take(n: number): Float32Array {
    const list = this.free.get(n);
    const reused = list?.pop();
    if (!reused) return new Float32Array(n);
    this.kept -= n;
    return reused;
  }

  /** Hands buffers back; the caller must not use them afterwards. */
  give(...buffers: (Float32Array | null)[]): void {
    for (const b of buffers) {
      if (!b || b.length === 0 || this.kept + b.length > KEEP_FLOATS) continue;
      let list = this.free.get(b.length);
      if (!list) this.free.set(b.length, (list = []));
      if (list.length >= KEEP_PER_LENGTH) continue;
      list.push(b);
      this.kept += b.length;
    }
  }
}
