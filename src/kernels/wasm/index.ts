import type { Kernels } from '../kernels.js';
import { wasmSequenceKernels } from './sequence.js';
import { wasmStepKernels } from './steps.js';

export { initWasm } from './loader.js';

/**
 * WebAssembly SIMD128 kernels (AssemblyScript sources in ./assembly, compiled by
 * `npm run build`). Float32 only; float64 calls run on the js reference.
 */
export const wasmKernels: Kernels = {
  name: 'wasm',
  ...wasmStepKernels,
  ...wasmSequenceKernels,
};
