import type { Activation, Buf } from './kernels.js';

// What the compiled backends (wasm/assembly, native/src) need from a kernel call's arguments.

/** Activation codes, the same in ./wasm/assembly/elementwise.ts and native/src/common.h (enum Act). */
export function activationCode(act: Activation): number {
  switch (act) {
    case 'tanh': return 0;
    case 'sigmoid': return 1;
    case 'relu': return 2;
    case 'leaky_relu': return 3;
    case 'identity': return 4;
  }
}

/** True when every given buffer is float32 (the compiled kernels' only type; others go to js). */
export function allF32(...bufs: (Buf | null | undefined)[]): boolean {
  for (const b of bufs) if (b && !(b instanceof Float32Array)) return false;
  return true;
}
