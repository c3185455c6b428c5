// Micro-benchmark of the js reference GEMM on the shapes a char-level LSTM language model
// runs (batch 32, 64 steps, embedding 64, hidden 256 or 512, vocab 65), and one sampling step.
// Usage: node dist/bench/gemm.js [--f64] [--mixed] [--time=0.5]
//   --f64    time Float64Array instead of Float32Array
//   --mixed  first call gemm with the other array type, to expose polymorphic slow-downs
//   --time   seconds spent per shape (best run is reported)
//   --only   substring of the labels to run, e.g. --only=dW
import { gemm } from '../src/kernels/js/gemm.js';

interface Shape { label: string; tA: boolean; tB: boolean; M: number; N: number; K: number }

const shapes: Shape[] = [
  { label: 'fwd input proj', tA: false, tB: true, M: 2048, N: 1024, K: 64 },
  { label: 'fwd recurrent H256', tA: false, tB: true, M: 32, N: 1024, K: 256 },
  { label: 'fwd recurrent H512', tA: false, tB: true, M: 32, N: 2048, K: 512 },
  { label: 'fwd head', tA: false, tB: true, M: 2048, N: 65, K: 256 },
  { label: 'bwd dh·W_hh', tA: false, tB: false, M: 32, N: 256, K: 1024 },
  { label: 'bwd dX', tA: false, tB: false, M: 2048, N: 64, K: 1024 },
  { label: 'bwd dW_hh', tA: true, tB: false, M: 1024, N: 256, K: 2048 },
  { label: 'bwd dW_ih', tA: true, tB: false, M: 1024, N: 64, K: 2048 },
  { label: 'bwd head dX', tA: false, tB: false, M: 2048, N: 256, K: 65 },
  { label: 'bwd head dW', tA: true, tB: false, M: 65, N: 256, K: 2048 },
  { label: 'sampling step, batch 1', tA: false, tB: true, M: 1, N: 1024, K: 256 },
];

const args = process.argv.slice(2);
const useF64 = args.includes('--f64');
const mixed = args.includes('--mixed');
const seconds = Number(args.find((a) => a.startsWith('--time='))?.slice(7) ?? 0.5);
const only = args.find((a) => a.startsWith('--only='))?.slice(7) ?? '';
type Ctor = Float32ArrayConstructor | Float64ArrayConstructor;
const Arr: Ctor = useF64 ? Float64Array : Float32Array;
const Other: Ctor = useF64 ? Float32Array : Float64Array;

function filled(ctor: Ctor, n: number, seed: number): Float32Array | Float64Array {
  const a = new ctor(n);
  let x = seed;
  for (let i = 0; i < n; i++) { x = (x * 1103515245 + 12345) % 2147483648; a[i] = x / 2147483648 - 0.5; }
  return a;
}

if (mixed) {
  // Touch every transpose path with the other element type so V8 sees both.
  for (const s of shapes) {
    const A = filled(Other, s.M * s.K, 1), B = filled(Other, s.K * s.N, 2), C = new Other(s.M * s.N);
    gemm(s.tA, s.tB, s.M, s.N, s.K, 1, A, B, 0, C);
  }
}

console.log(`gemm ${useF64 ? 'Float64Array' : 'Float32Array'}${mixed ? ' (after calls with the other type)' : ''}`);
console.log('case  shape (M x N x K)    GFLOP/s  ms/call  label');
let total = 0;
for (const s of shapes.filter((x) => x.label.includes(only))) {
  const A = filled(Arr, s.M * s.K, 1), B = filled(Arr, s.K * s.N, 2), C = filled(Arr, s.M * s.N, 3);
  const flops = 2 * s.M * s.N * s.K;
  // Enough calls per timed run to last ~20 ms, so timer resolution does not matter.
  let reps = 1;
  const t0 = performance.now();
  gemm(s.tA, s.tB, s.M, s.N, s.K, 1, A, B, 1, C);
  reps = Math.max(1, Math.round(20 / Math.max(performance.now() - t0, 0.01)));
  let best = Infinity;
  const deadline = performance.now() + seconds * 1000;
  do {
    const start = performance.now();
    for (let r = 0; r < reps; r++) gemm(s.tA, s.tB, s.M, s.N, s.K, 1, A, B, 1, C);
    best = Math.min(best, (performance.now() - start) / reps);
  } while (performance.now() < deadline);
  total += best;
  const op = `${s.tA ? 'T' : 'N'}${s.tB ? 'T' : 'N'}`;
  const dims = `${s.M} x ${s.N} x ${s.K}`.padEnd(18);
  console.log(`${op}    ${dims} ${(flops / best / 1e6).toFixed(2).padStart(8)} ${best.toFixed(3).padStart(8)}  ${s.label}`);
}
console.log(`sum of best times: ${total.toFixed(1)} ms`);
