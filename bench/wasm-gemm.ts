// GFLOP/s of the wasm GEMM (copies in and out included) against the js reference on the shapes
// of a char-LM LSTM step, plus the two headline shapes 2048x1024x64 and 32x1024x256 (NT).
// Usage: node dist/bench/wasm-gemm.js [--time=0.5]
import { jsKernels } from '../src/kernels/js/index.js';
import { wasmKernels } from '../src/kernels/wasm/index.js';
import type { Kernels } from '../src/kernels/kernels.js';

const shapes = [
  { label: 'fwd input proj (NT)', tA: false, tB: true, M: 2048, N: 1024, K: 64 },
  { label: 'fwd recurrent H256 (NT)', tA: false, tB: true, M: 32, N: 1024, K: 256 },
  { label: 'fwd head (NT)', tA: false, tB: true, M: 2048, N: 65, K: 256 },
  { label: 'bwd dh·W_hh (NN)', tA: false, tB: false, M: 32, N: 256, K: 1024 },
  { label: 'bwd dX (NN)', tA: false, tB: false, M: 2048, N: 64, K: 1024 },
  { label: 'bwd dW_hh (TN)', tA: true, tB: false, M: 1024, N: 256, K: 2048 },
  { label: 'square 512 (TT)', tA: true, tB: true, M: 512, N: 512, K: 512 },
];
const seconds = Number(process.argv.find((a) => a.startsWith('--time='))?.slice(7) ?? 0.5);

function filled(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) { x = (x * 1103515245 + 12345) % 2147483648; a[i] = x / 2147483648 - 0.5; }
  return a;
}

function gflops(k: Kernels, s: typeof shapes[number]): number {
  const A = filled(s.M * s.K, 1), B = filled(s.K * s.N, 2), C = filled(s.M * s.N, 3);
  let best = Infinity;
  const end = performance.now() + seconds * 1000;
  do {
    const t0 = performance.now();
    k.gemm(s.tA, s.tB, s.M, s.N, s.K, 1, A, B, 0, C);
    best = Math.min(best, performance.now() - t0);
  } while (performance.now() < end);
  return (2 * s.M * s.N * s.K) / (best * 1e6);
}

for (const s of shapes) {
  const w = gflops(wasmKernels, s), j = gflops(jsKernels, s);
  console.log(`${s.label.padEnd(26)} ${`${s.M}x${s.N}x${s.K}`.padEnd(15)} wasm ${w.toFixed(1).padStart(6)} GFLOP/s   js ${j.toFixed(1).padStart(6)} GFLOP/s`);
}
