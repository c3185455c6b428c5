import type { Kernels } from './kernels.js';
import { jsKernels } from './js/index.js';
import { nativeKernels } from './native/index.js';
import { wasmKernels } from './wasm/index.js';
import { wasm } from './wasm/loader.js';

// The backend in use: RNNKIT_BACKEND or setBackend() choose one; otherwise the fastest that
// loads here: native (the Node addon, when it was built at install), then wasm (SIMD, built by
// `npm run build`), then the js reference.
const registry = new Map<string, Kernels>([['js', jsKernels], ['wasm', wasmKernels]]);
if (nativeKernels) registry.set('native', nativeKernels);
let current: Kernels | null = null;

export function kernels(): Kernels {
  current ??= defaultBackend();
  return current;
}

function defaultBackend(): Kernels {
  if (nativeKernels) return nativeKernels;
  try {
    wasm();
    return wasmKernels;
  } catch (e) {
    if (typeof process !== 'undefined' && process.stderr) {
      process.stderr.write(`rnnkit: using the js reference kernels: ${(e as Error).message}\n`);
    }
    return jsKernels;
  }
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
