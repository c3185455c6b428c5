// GFLOP/s of the native GEMM at 1 and 2 threads (best of repeated calls) on the shapes of a
// char-LM LSTM training step, plus square products; one JSON line per shape and thread count.
// Usage: node dist/bench/native-gemm.js [--time=0.5] [--threads=1,2] [--isa=avx512|avx2|generic]
import { loadNativeKernels, nativeAddon } from '../src/kernels/native/index.js';

const shapes = [
  { label: 'fwd input proj (NT)', tA: false, tB: true, M: 2048, N: 1024, K: 64 },
  { label: 'fwd recurrent H256 (NT)', tA: false, tB: true, M: 32, N: 1024, K: 256 },
  { label: 'fwd head (NT)', tA: false, tB: true, M: 2048, N: 65, K: 256 },
  { label: 'bwd dh·W_hh (NN)', tA: false, tB: false, M: 32, N: 256, K: 1024 },
  { label: 'bwd dX (NN)', tA: false, tB: false, M: 2048, N: 64, K: 1024 },
  { label: 'bwd dW_hh (TN)', tA: true, tB: false, M: 1024, N: 256, K: 2048 },
  { label: 'square 512 (NN)', tA: false, tB: false, M: 512, N: 512, K: 512 },
  { label: 'square 1024 (NN)', tA: false, tB: false, M: 1024, N: 1024, K: 1024 },
  { label: 'square 2048 (NN)', tA: false, tB: false, M: 2048, N: 2048, K: 2048 },
];
const args = process.argv.slice(2);
const arg = (name: string, fallback: string) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const seconds = Number(arg('time', '0.5'));
const threadCounts = arg('threads', '1,2').split(',').map(Number);

const k = loadNativeKernels();
const addon = nativeAddon();
if (!k || !addon) {
  console.log('native backend not built: run `npm run build:native`');
  process.exit(0);
}
const isa = arg('isa', '');
if (isa && !addon.setIsa(isa)) throw new Error(`this CPU cannot run the ${isa} kernels (it has ${addon.supportedIsas().join(', ')})`);

function filled(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) { x = (x * 1103515245 + 12345) % 2147483648; a[i] = x / 2147483648 - 0.5; }
  return a;
}

for (const threads of threadCounts) {
  k.setThreads!(threads);
  for (const s of shapes) {
    const A = filled(s.M * s.K, 1), B = filled(s.K * s.N, 2), C = filled(s.M * s.N, 3);
    let best = Infinity;
    const end = performance.now() + seconds * 1000;
    do {
      const t0 = performance.now();
      k.gemm(s.tA, s.tB, s.M, s.N, s.K, 1, A, B, 0, C);
      best = Math.min(best, performance.now() - t0);
    } while (performance.now() < end);
    const value = (2 * s.M * s.N * s.K) / (best * 1e6);
    console.log(JSON.stringify({ impl: `rnnkit-native-${addon.isa()}`, workload: `gemm ${s.label} ${s.M}x${s.N}x${s.K}`,
      threads, value: Math.round(value * 10) / 10, unit: 'GFLOP/s' }));
  }
}
