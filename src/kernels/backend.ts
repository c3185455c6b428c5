import type { Kernels } from './kernels.js';
import { jsKernels } from './js/index.js';

// The backend in use. Later backends (wasm, native) register here; RNNKIT_BACKEND selects one.
const registry = new Map<string, Kernels>([['js', jsKernels]]);
let current: Kernels = jsKernels;

export function kernels(): Kernels {
  return current;
}

export function registerBackend(k: Kernels): void {
  registry.set(k.name, k);
}

export function setBackend(name: string): Kernels {
  const k = registry.get(name);
  if (!k) throw new Error(`unknown backend '${name}': available are ${[...registry.keys()].join(', ')}`);
  current = k;
  return k;
}

export function availableBackends(): string[] {
  return [...registry.keys()];
}

const fromEnv = typeof process !== 'undefined' ? process.env?.RNNKIT_BACKEND : undefined;
if (fromEnv) setBackend(fromEnv);
