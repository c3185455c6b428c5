// rnnkit: recurrent neural networks for JavaScript engines.
export * from './tensor/index.js';
export * from './nn/index.js';
export * from './train/index.js';
export * from './data/index.js';
export * from './io/index.js';
export * from './apps/charlm/index.js';
export { Random, type RandomState } from './util/random.js';
export { kernels, setBackend, registerBackend, availableBackends } from './kernels/backend.js';
export { parametersChanged } from './kernels/weights-epoch.js';
export type { Kernels, Buf, Activation } from './kernels/kernels.js';
