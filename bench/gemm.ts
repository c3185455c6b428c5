// npm run bench:gemm -- [--backends js,wasm,native] [--threads 1,2] [--only W5] [--time 0.5]
//                       [--isa avx512|avx2|generic] [--f64] [--mixed]   (--help: what each does)
// GFLOP/s of each backend's gemm (the kernel interface's, copies in and out included) on the
// products of the training workloads (W1 LSTM 256, W2 LSTM 512x2, W5 GRU 128, W6 LSTM 256; see
// native/src/sequence.h for their transposes), one sampling step and square products: the best
// of repeated calls, one JSON line per shape, backend and thread count. The per-step recurrent
// products run inside the sequence kernels on W_hh packed once per pass; here B is packed on
// every call, so they read a little lower than in the kernels.
import { Command } from 'commander';
import { setBackend } from '../src/kernels/backend.js';
import type { Buf, Kernels } from '../src/kernels/kernels.js';
import { nativeAddon } from '../src/kernels/native/index.js';
import { parseGemmOptions } from './options.js';

interface Shape { label: string; tA: boolean; tB: boolean; M: number; N: number; K: number }

const shapes: Shape[] = [
  { label: 'W1 fwd input proj (NT)', tA: false, tB: true, M: 2048, N: 1024, K: 64 },
  { label: 'W1 fwd recurrent (NT)', tA: false, tB: true, M: 32, N: 1024, K: 256 },
  { label: 'W1 fwd head (NT)', tA: false, tB: true, M: 2048, N: 65, K: 256 },
  { label: 'W1 bwd dh·W_hh (NN)', tA: false, tB: false, M: 32, N: 256, K: 1024 },
  { label: 'W1 bwd dX (NN)', tA: false, tB: false, M: 2048, N: 64, K: 1024 },
  { label: 'W1 bwd dW_ih (TN)', tA: true, tB: false, M: 1024, N: 64, K: 2048 },
  { label: 'W1 bwd dW_hh (TN)', tA: true, tB: false, M: 1024, N: 256, K: 2048 },
  { label: 'W1 bwd head dX (NN)', tA: false, tB: false, M: 2048, N: 256, K: 65 },
  { label: 'W1 bwd head dW (TN)', tA: true, tB: false, M: 65, N: 256, K: 2048 },
  { label: 'W2 fwd input proj layer 2 (NT)', tA: false, tB: true, M: 2048, N: 2048, K: 512 },
  { label: 'W2 fwd recurrent (NT)', tA: false, tB: true, M: 32, N: 2048, K: 512 },
  { label: 'W2 bwd dh·W_hh (NN)', tA: false, tB: false, M: 32, N: 512, K: 2048 },
  { label: 'W2 bwd dX layer 2 (NN)', tA: false, tB: false, M: 2048, N: 512, K: 2048 },
  { label: 'W2 bwd dW (TN)', tA: true, tB: false, M: 2048, N: 512, K: 2048 },
  { label: 'W4 sampling step, batch 1 (NT)', tA: false, tB: true, M: 1, N: 1024, K: 256 },
  { label: 'W5 fwd input proj (NT)', tA: false, tB: true, M: 6400, N: 384, K: 100 },
  { label: 'W5 fwd recurrent (NT)', tA: false, tB: true, M: 64, N: 384, K: 128 },
  { label: 'W5 bwd dh·W_hh (NN)', tA: false, tB: false, M: 64, N: 128, K: 384 },
  { label: 'W5 bwd dX (NN)', tA: false, tB: false, M: 6400, N: 100, K: 384 },
  { label: 'W5 bwd dW_ih (TN)', tA: true, tB: false, M: 384, N: 100, K: 6400 },
  { label: 'W5 bwd dW_hh (TN)', tA: true, tB: false, M: 384, N: 128, K: 6400 },
  { label: 'W6 fwd input proj (NT)', tA: false, tB: true, M: 6400, N: 1024, K: 128 },
  { label: 'W6 fwd recurrent (NT)', tA: false, tB: true, M: 64, N: 1024, K: 256 },
  { label: 'square 512 (TT)', tA: true, tB: true, M: 512, N: 512, K: 512 },
  { label: 'square 1024 (NN)', tA: false, tB: false, M: 1024, N: 1024, K: 1024 },
  { label: 'square 2048 (NN)', tA: false, tB: false, M: 2048, N: 2048, K: 2048 },
];

const program = new Command('bench:gemm');
const opts = parseGemmOptions(process.argv.slice(2), program);

type Ctor = Float32ArrayConstructor | Float64ArrayConstructor;
const Arr: Ctor = opts.f64 ? Float64Array : Float32Array;
const Other: Ctor = opts.f64 ? Float32Array : Float64Array;

function filled(ctor: Ctor, n: number, seed: number): Buf {
  const a = new ctor(n);
  let x = seed;
  for (let i = 0; i < n; i++) { x = (x * 1103515245 + 12345) % 2147483648; a[i] = x / 2147483648 - 0.5; }
  return a;
}

/** Best milliseconds per call over `seconds`, in runs of enough calls to last ~20 ms. */
function bestMs(k: Kernels, s: Shape, seconds: number): number {
  const A = filled(Arr, s.M * s.K, 1), B = filled(Arr, s.K * s.N, 2), C = filled(Arr, s.M * s.N, 3);
  const call = () => k.gemm(s.tA, s.tB, s.M, s.N, s.K, 1, A, B, 0, C);
  const t0 = performance.now();
  call();
  const reps = Math.max(1, Math.round(20 / Math.max(performance.now() - t0, 0.01)));
  let best = Infinity;
  const end = performance.now() + seconds * 1000;
  do {
    const start = performance.now();
    for (let r = 0; r < reps; r++) call();
    best = Math.min(best, (performance.now() - start) / reps);
  } while (performance.now() < end);
  return best;
}

const selected = shapes.filter((s) => s.label.includes(opts.only));
if (!selected.length) program.error(`error: --only '${opts.only}' matches no shape: labels are ${shapes.map((s) => s.label).join('; ')}`);
for (const name of opts.backends) {
  const k = setBackend(name);
  let impl = `rnnkit-${name}`;
  if (name === 'native') {
    const addon = nativeAddon()!;
    if (opts.isa && !addon.setIsa(opts.isa)) program.error(`error: --isa: this CPU cannot run the ${opts.isa} kernels (it has ${addon.supportedIsas().join(', ')})`);
    impl += `-${addon.isa()}`;
  }
  if (opts.mixed) {
    // Touch every transpose path with the other element type so V8 sees both.
    for (const s of selected) k.gemm(s.tA, s.tB, s.M, s.N, s.K, 1, filled(Other, s.M * s.K, 1), filled(Other, s.K * s.N, 2), 0, new Other(s.M * s.N));
  }
  for (const threads of k.setThreads ? opts.threads : [1]) {
    k.setThreads?.(threads);
    for (const s of selected) {
      const ms = bestMs(k, s, opts.time);
      const value = Math.round((2 * s.M * s.N * s.K) / (ms * 1e6) * 10) / 10;
      console.log(JSON.stringify({ impl, workload: `gemm ${s.label} ${s.M}x${s.N}x${s.K}${opts.f64 ? ' f64' : ''}`, threads, value, unit: 'GFLOP/s' }));
    }
  }
}
