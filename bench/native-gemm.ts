// GFLOP/s of the native GEMM at 1 and 2 threads (best of repeated calls) on the products of the
// training workloads (W1 LSTM 256, W2 LSTM 512x2, W5 GRU 128, W6 LSTM 256 at batch 64; see
// native/src/sequence.h for their transposes), plus square products; one JSON line per shape and
// thread count. The per-step recurrent products run inside the sequence kernels on W_hh packed
// once per pass; here they pack B on every call, so they read a little lower than in the kernels.
// Usage: node dist/bench/native-gemm.js [--time=0.5] [--threads=1,2] [--isa=avx512|avx2|generic] [--only=W5]
import { loadNativeKernels, nativeAddon } from '../src/kernels/native/index.js';

const shapes = [
  { label: 'W1 fwd input proj (NT)', tA: false, tB: true, M: 2048, N: 1024, K: 64 },
  { label: 'W1 fwd recurrent (NT)', tA: false, tB: true, M: 32, N: 1024, K: 256 },
  { label: 'W1 fwd head (NT)', tA: false, tB: true, M: 2048, N: 65, K: 256 },
  { label: 'W1 bwd dh·W_hh (NN)', tA: false, tB: false, M: 32, N: 256, K: 1024 },
  { label: 'W1 bwd dX (NN)', tA: false, tB: false, M: 2048, N: 64, K: 1024 },
  { label: 'W1 bwd dW_ih (TN)', tA: true, tB: false, M: 1024, N: 64, K: 2048 },
  { label: 'W1 bwd dW_hh (TN)', tA: true, tB: false, M: 1024, N: 256, K: 2048 },
  { label: 'W2 fwd input proj layer 2 (NT)', tA: false, tB: true, M: 2048, N: 2048, K: 512 },
  { label: 'W2 fwd recurrent (NT)', tA: false, tB: true, M: 32, N: 2048, K: 512 },
  { label: 'W2 bwd dh·W_hh (NN)', tA: false, tB: false, M: 32, N: 512, K: 2048 },
  { label: 'W2 bwd dX layer 2 (NN)', tA: false, tB: false, M: 2048, N: 512, K: 2048 },
  { label: 'W2 bwd dW (TN)', tA: true, tB: false, M: 2048, N: 512, K: 2048 },
  { label: 'W5 fwd input proj (NT)', tA: false, tB: true, M: 6400, N: 384, K: 100 },
  { label: 'W5 fwd recurrent (NT)', tA: false, tB: true, M: 64, N: 384, K: 128 },
  { label: 'W5 bwd dh·W_hh (NN)', tA: false, tB: false, M: 64, N: 128, K: 384 },
  { label: 'W5 bwd dX (NN)', tA: false, tB: false, M: 6400, N: 100, K: 384 },
  { label: 'W5 bwd dW_ih (TN)', tA: true, tB: false, M: 384, N: 100, K: 6400 },
  { label: 'W5 bwd dW_hh (TN)', tA: true, tB: false, M: 384, N: 128, K: 6400 },
  { label: 'W6 fwd input proj (NT)', tA: false, tB: true, M: 6400, N: 1024, K: 128 },
  { label: 'W6 fwd recurrent (NT)', tA: false, tB: true, M: 64, N: 1024, K: 256 },
  { label: 'square 512 (NN)', tA: false, tB: false, M: 512, N: 512, K: 512 },
  { label: 'square 1024 (NN)', tA: false, tB: false, M: 1024, N: 1024, K: 1024 },
  { label: 'square 2048 (NN)', tA: false, tB: false, M: 2048, N: 2048, K: 2048 },
];
const args = process.argv.slice(2);
const arg = (name: string, fallback: string) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const seconds = Number(arg('time', '0.5'));
const threadCounts = arg('threads', '1,2').split(',').map(Number);
const only = arg('only', '');

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
  for (const s of shapes.filter((x) => x.label.includes(only))) {
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
