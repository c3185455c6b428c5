import { publish } from './team';

// The kernels' own scratch memory (packed panels, gate buffers): one block from the heap,
// replaced by a larger one when a call needs more, so steady-state calls allocate nothing.
// Each exported entry point sizes its whole need first, calls ensureWork once, then carves.
// With threads only thread 0 touches the heap (the allocator is not thread-safe); the others
// carve the block it publishes, in the same order, so shared buffers get the same addresses
// and carveOwn gives each thread a private buffer (its packed A panel and edge tile).

let workBase: usize = 0;
let workCapacity: usize = 0;
let workTop: usize = 0;

/** Makes at least `bytes` (plus alignment slack) available and resets the carving point. */
export function ensureWork(bytes: usize, tid: i32, nt: i32): void {
  if (tid == 0) {
    const need = bytes + 64;
    if (need > workCapacity) {
      if (workBase != 0) heap.free(workBase);
      const capacity = max(need, workCapacity + (workCapacity >> 1));
      workBase = heap.alloc(capacity);
      workCapacity = capacity;
    }
  }
  workTop = (publish(workBase, tid, nt) + 63) & ~<usize>63;
}

/** Next `floats` float32 slots of the work block, 64-byte aligned. */
export function carve(floats: i32): usize {
  const p = workTop;
  workTop = (p + (<usize>floats << 2) + 63) & ~<usize>63;
  return p;
}

/** nt consecutive buffers of `floats` each; returns thread tid's. Size them with slot(floats) * nt. */
export function carveOwn(floats: i32, tid: i32, nt: i32): usize {
  let own: usize = 0;
  for (let t = 0; t < nt; t++) {
    const p = carve(floats);
    if (t == tid) own = p;
  }
  return own;
}

/** Bytes to ask ensureWork for so that carving these float counts fits. */
// @ts-ignore: decorator
@inline export function slot(floats: i32): usize {
  return ((<usize>floats << 2) + 63) & ~<usize>63;
}
