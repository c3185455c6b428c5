import type { Kernels } from '../kernels.js';
import { wasmSequenceKernels } from './sequence.js';
import { wasmStepKernels } from './steps.js';
import { wasmTrainingKernels } from './training.js';

import { setTeamThreads, teamThreads } from './pool.js';

export { initWasm, wasmFileName } from './loader.js';
export { startThreads } from './pool.js';

/**
 * WebAssembly SIMD128 kernels (AssemblyScript sources in ./assembly, compiled by
 * `npm run build`). Float32 only; float64 calls run on the js reference. GEMMs and whole
 * recurrent layers run on setThreads(n) threads (default: RNNKIT_THREADS, else the available
 * cores) where shared memory exists; the results do not depend on the thread count.
 */
export const wasmKernels: Kernels = {
  name: 'wasm',
  setThreads: setTeamThreads,
  threads: teamThreads,
  ...wasmStepKernels,
  ...wasmSequenceKernels,
  ...wasmTrainingKernels,
};
