import { runtime } from './runtime.js';

// Optimiser state (Adam's two moments, momentum and squared-gradient averages) kept in wasm
// memory, so that each update reads and writes it where it is: copying it in and out around
// every update was most of the update's time (W5's Adam: 7 copies of 4.4 MB per step, 5 without
// the moments' 4). A state buffer is a Float32Array view of the memory, usable anywhere as
// any Float32Array. Only a shared memory (the -threads builds) qualifies: it never moves when
// it grows, so the view stays valid; a plain memory's growth would detach it.
// The block is freed when its view is garbage-collected; views of part of it (subarray) must not
// outlive the buffer.

const pointers = new WeakMap<Float32Array, number>();
let freeOnCollect: FinalizationRegistry<number> | null = null;

/** n zeros in wasm memory when it is shared, else in an ordinary array. */
export function stateBuffer(n: number): Float32Array {
  const mem = runtime();
  const memory = mem.ex.memory;
  if (n === 0 || !(memory.buffer instanceof SharedArrayBuffer)) return new Float32Array(n);
  const ptr = mem.ex.alloc(n * 4) >>> 0;
  const view = new Float32Array(memory.buffer, ptr, n);
  view.fill(0);
  pointers.set(view, ptr);
  freeOnCollect ??= new FinalizationRegistry((p) => runtime().ex.free(p));
  freeOnCollect.register(view, ptr);
  return view;
}

/** The wasm address of a buffer from stateBuffer(), else 0. */
export function statePointer(a: Float32Array | null): number {
  return a ? pointers.get(a) ?? 0 : 0;
}
