import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { SequenceSpec } from '../../src/kernels/kernels.js';
import { wasmKernels } from '../../src/kernels/wasm/index.js';
import { runtime, setMinParallelWork, team } from '../../src/kernels/wasm/runtime.js';
import { Random } from '../../src/util/random.js';
import { onThreads } from '../helpers/threads.js';

// The wasm thread pool under stress (src/kernels/wasm/pool.ts, assembly/team.ts): a trap on a
// worker or on the calling thread must come back as an error from the call, never as a hang,
// and leave the pool usable; and several processes, each with a 2-thread pool, on fewer cores
// than threads, running GEMMs and whole-sequence forward/backward passes on inputs with
// NaN/Inf/huge values, must all finish, with numbers bit-identical to 1 thread.

const k = wasmKernels;
// Split even the smallest calls between threads, so the 2-thread code paths are what is tested.
setMinParallelWork(0);
const CHILD_FLAG = 'RNNKIT_WASM_STRESS_CHILD';

// Values in [-1, 1); with `wild`, one in 20 is NaN, ±Inf or ±3e38.
function values(n: number, rng: Random, wild: boolean): Float32Array {
  const a = new Float32Array(n);
  const specials = [NaN, Infinity, -Infinity, 3e38, -3e38];
  for (let i = 0; i < n; i++) {
    a[i] = wild && rng.uniform(0, 1) < 0.05 ? specials[Math.floor(rng.uniform(0, specials.length))] : rng.uniform(-1, 1);
  }
  return a;
}

function firstDifference(a: Float32Array, b: Float32Array): number {
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}

const pick = (rng: Random, lo: number, hi: number) => lo + Math.floor(rng.uniform(0, hi - lo + 1));

// One random GEMM or sequence forward+backward on the current thread count; every result.
function randomCall(rng: Random): { what: string; run: () => Float32Array[] } {
  const wild = rng.uniform(0, 1) < 0.3;
  if (rng.uniform(0, 1) < 0.4) {
    const M = pick(rng, 1, 90), N = pick(rng, 1, 90), K = pick(rng, 1, 300);
    const tA = rng.uniform(0, 1) < 0.5, tB = rng.uniform(0, 1) < 0.5, beta = [0, 1, 0.5][pick(rng, 0, 2)];
    const A = values(M * K, rng, wild), B = values(K * N, rng, wild), C0 = values(M * N, rng, wild);
    return {
      what: `gemm M=${M} N=${N} K=${K} transA=${tA} transB=${tB} beta=${beta}`,
      run: () => { const C = C0.slice(); k.gemm(tA, tB, M, N, K, 0.7, A, B, beta, C); return [C]; },
    };
  }
  const mode = (['rnn', 'lstm', 'gru'] as const)[pick(rng, 0, 2)];
  const T = pick(rng, 1, 30), B = pick(rng, 1, 12), I = pick(rng, 1, 16), H = pick(rng, 1, 40);
  const P = mode === 'lstm' && rng.uniform(0, 1) < 0.3 ? pick(rng, 1, H) : H, G = mode === 'rnn' ? 1 : mode === 'lstm' ? 4 : 3;
  let rows: Int32Array | null = null;
  if (rng.uniform(0, 1) < 0.3) {
    rows = new Int32Array(T * B);
    const lengths = Array.from({ length: B }, () => pick(rng, 1, T)).sort((a, b) => b - a);
    for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) rows[t * B + b] = t < lengths[b] ? t * B + b : -1;
  }
  const spec: SequenceSpec = { mode, T, B, I, H, P, activation: (['tanh', 'relu', 'sigmoid'] as const)[pick(rng, 0, 2)], negativeSlope: 0.01, rows };
  const w = { wIh: values(G * H * I, rng, wild), wHh: values(G * H * P, rng, wild), bIh: values(G * H, rng, false),
    bHh: values(G * H, rng, false), wHr: P !== H ? values(P * H, rng, wild) : null };
  const x = values(T * B * I, rng, wild), h0 = values(B * P, rng, false), c0 = mode === 'lstm' ? values(B * H, rng, false) : null;
  const dOut = values(T * B * P, rng, wild);
  return {
    what: `${mode} T=${T} B=${B} I=${I} H=${H} P=${P} rows=${rows !== null}`,
    run: () => {
      const out = new Float32Array(T * B * P), hN = new Float32Array(B * P), cN = c0 ? new Float32Array(B * H) : null;
      const ctx = k.sequenceForward(spec, x, h0, c0, w, out, hN, cN, true)!;
      const g = { dx: new Float32Array(T * B * I), dh0: new Float32Array(B * P), dc0: c0 ? new Float32Array(B * H) : null,
        dWIh: new Float32Array(G * H * I), dWHh: new Float32Array(G * H * P), dBIh: new Float32Array(G * H),
        dBHh: new Float32Array(G * H), dWHr: w.wHr ? new Float32Array(P * H) : null };
      k.sequenceBackward(ctx, dOut, hN, cN, g);
      return [out, hN, g.dx, g.dh0, g.dWIh, g.dWHh, g.dBIh, g.dBHh, ...(g.dc0 ? [g.dc0] : []), ...(g.dWHr ? [g.dWHr] : [])];
    },
  };
}

// Child process: random calls on 2 threads for `ms`, every 8th compared with 1 thread.
function stressChild(seed: number, ms: number): void {
  const rng = new Random(seed);
  k.setThreads!(2);
  const end = Date.now() + ms;
  let calls = 0;
  while (Date.now() < end) {
    const call = randomCall(rng);
    const two = call.run();
    if (calls % 8 === 0) {
      const one = onThreads(k, 1, call.run);
      one.forEach((expected, j) => {
        const i = firstDifference(two[j], expected);
        if (i >= 0) throw new Error(`${call.what}: result ${j} element ${i} is ${two[j][i]} on 2 threads, ${expected[i]} on 1`);
      });
    }
    calls++;
  }
  console.log(`calls ${calls}`);
}

if (process.env[CHILD_FLAG]) {
  const [seed, ms] = process.env[CHILD_FLAG].split(',').map(Number);
  stressChild(seed, ms);
} else {
  // A GEMM with C = alpha·op(A)·op(B), A: [8, 1], op(B): [1, 24], whose B pointer is bad for one
  // thread's share only. On 2 threads C is split by rows, so op(B) is packed in column slivers
  // of 8 (thread 0: columns 0..7, thread 1: 8..23) before a barrier: the thread with the bad
  // share traps while the other waits at that barrier.
  const gemmWithB = (transB: boolean, bPointer: (memoryEnd: number) => number) => {
    const mem = runtime();
    const run = (bp: number) => {
      const [pa, pb, pc] = mem.scratch(8, 24, 8 * 24);
      mem.put(pa, new Float32Array(8).fill(1));
      mem.put(pb, new Float32Array(24).fill(2));
      team('gemm', Infinity, 0, +transB, 8, 24, 1, 1, pa, bp < 0 ? pb : bp, 0, pc);
      const C = new Float32Array(8 * 24);
      mem.get(pc, C);
      return C;
    };
    run(-1); // sizes the kernels' work block, so the bad call below grows no memory
    return () => run(bPointer(mem.ex.memory.buffer.byteLength));
  };
  const sane = () => {
    const C = new Float32Array(24 * 40);
    k.gemm(false, true, 24, 40, 33, 1, new Float32Array(24 * 33).fill(0.5), new Float32Array(40 * 33).fill(0.25), 0, C);
    assert.ok(C.every((v) => v === 33 * 0.125), 'a GEMM after the failed call gives the right numbers');
  };

  test('wasm threads: a trap on the worker while the caller waits at a barrier is thrown, not a hang', () => {
    onThreads(k, 2, () => {
      // transB = false, B: [1, 24] ending 16 floats past the memory: columns 8..23 (thread 1) are outside.
      const bad = gemmWithB(false, (end) => end - 8 * 4);
      assert.throws(bad, /wasm backend: gemm failed on thread 1 of 2: RuntimeError: memory access out of bounds/);
      sane();
    });
  });

  test('wasm threads: a trap on the calling thread while the worker waits at a barrier is thrown, not a hang', () => {
    onThreads(k, 2, () => {
      // transB = true, B: [24, 1] starting 32 bytes below 4 GiB: rows 0..7 (thread 0) are outside the
      // memory, rows 8..23 wrap around to address 0 (only read).
      const bad = gemmWithB(true, () => 2 ** 32 - 8 * 4);
      assert.throws(bad, /wasm backend: gemm failed on thread 0 of 2: RuntimeError: memory access out of bounds/);
      sane();
    });
  });

  test('wasm threads: NaN/Inf/huge inputs give the same numbers on 2 threads as on 1', () => {
    const rng = new Random(5);
    for (let i = 0; i < 40; i++) {
      const call = randomCall(rng);
      const one = onThreads(k, 1, call.run), two = onThreads(k, 2, call.run);
      one.forEach((expected, j) => {
        const at = firstDifference(two[j], expected);
        if (at >= 0) assert.fail(`${call.what}: result ${j} element ${at} is ${two[j][at]} on 2 threads, ${expected[at]} on 1`);
      });
    }
  });

  test('wasm threads: 3 processes with 2-thread pools on oversubscribed cores all finish, same numbers as 1 thread', async () => {
    const CHILDREN = 3, RUN_MS = 5000, TIMEOUT_MS = 30_000;
    const cwd = fileURLToPath(new URL('.', import.meta.url));
    const results = await Promise.all(Array.from({ length: CHILDREN }, (_, i) => new Promise<string>((resolve) => {
      const child = spawn(process.execPath, [fileURLToPath(import.meta.url)], {
        cwd, env: { ...process.env, [CHILD_FLAG]: `${101 + i},${RUN_MS}` }, stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d: Buffer) => { out += d; });
      child.stderr.on('data', (d: Buffer) => { out += d; });
      const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS);
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        resolve(signal === 'SIGKILL' ? `child ${i} hung: killed after ${TIMEOUT_MS / 1000} s (${out.trim()})`
          : code !== 0 ? `child ${i} failed with exit code ${code}: ${out.trim()}` : out.trim());
      });
    })));
    for (const r of results) assert.match(r, /^calls \d+$/, r);
    // Each child made real progress (a lost wake-up would show as a child stuck, killed above).
    for (const r of results) assert.ok(Number(r.slice(6)) >= 20, r);
  });
}
