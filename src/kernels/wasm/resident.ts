import { parametersEpoch } from '../weights-epoch.js';
import type { WasmMemory } from './memory.js';

// Recurrent layers' weights kept in wasm memory between calls. Generating text runs a layer
// once per character, and copying all its weights in every time cost more than the products
// themselves (W4: ~13 MB per character). A weight array gets a block of its own on first use;
// later calls with the same array object reuse the copy without reading the array again.
//
// Invalidation rule: a forward pass that keeps what backward needs (training) always copies the
// weights in, so training sees every change however it was made; its backward pass reuses that
// copy (the Kernels contract forbids changing weights in between). Other passes (inference)
// reuse a copy made in the same parameters epoch (../weights-epoch.ts): Optimizer.step(),
// Module.loadStateDict() and entering noGrad() move the epoch. So only code that writes into a
// parameter's .data itself between two inference passes inside one noGrad() block must call
// parametersChanged(). Only the sequence kernels' SequenceWeights go through here: those are
// parameters by the Kernels contract, while gemm operands may be any buffer.
// A block is freed when its array is garbage-collected.

interface Copy { ptr: number; epoch: number }

export class ResidentWeights {
  private readonly copies = new WeakMap<Float32Array, Copy>();
  private readonly freeOnCollect: FinalizationRegistry<number>;

  constructor(private readonly mem: WasmMemory) {
    this.freeOnCollect = new FinalizationRegistry((ptr) => mem.ex.free(ptr));
  }

  /** The address of a current copy of w (all of it) in wasm memory; `refresh` copies it in regardless. */
  pointer(w: Float32Array, refresh = false): number {
    const epoch = parametersEpoch();
    let copy = this.copies.get(w);
    if (!copy) {
      const { base, ptrs } = this.mem.block(w.length);
      copy = { ptr: ptrs[0], epoch: epoch - 1 };
      this.copies.set(w, copy);
      this.freeOnCollect.register(w, base);
    }
    if (refresh || copy.epoch !== epoch) {
      this.mem.put(copy.ptr, w);
      copy.epoch = epoch;
    }
    return copy.ptr;
  }
}
