import assert from 'node:assert/strict';
import { test } from 'node:test';
import { wasmKernels as wasm } from '../../src/kernels/wasm/index.js';
import { runtime } from '../../src/kernels/wasm/runtime.js';
import { type WasmExports, wasmImports } from '../../src/kernels/wasm/loader.js';
import { readFileSync } from 'node:fs';
import { Random } from '../../src/util/random.js';

// The wasm cells' tanh and sigmoid (expm1-based tanh, sigmoid without expV's fix-ups; see
// src/kernels/wasm/assembly/math.ts) over a dense sweep, against float64: a few ulp, much
// tighter than the comparison tests' tolerances, so a wrong coefficient or a lost reduction
// step shows here first. And the two-pass LSTM and GRU forward cells with the gates written
// over hg (what an inference pass does inside wasm memory) against separate buffers.

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

function sweep(lo: number, hi: number, n: number): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = lo + ((hi - lo) * i) / (n - 1);
  return x;
}

function worstRelative(act: 'tanh' | 'sigmoid', x: Float32Array): { rel: number; at: number } {
  const y = new Float32Array(x.length);
  wasm.activationForward(act, 0, x.length, x, y);
  const f = act === 'tanh' ? Math.tanh : sigmoid;
  let rel = 0, at = NaN;
  for (let i = 0; i < x.length; i++) {
    const e = f(x[i]);
    const r = e === 0 ? Math.abs(y[i]) : Math.abs(y[i] - e) / Math.abs(e);
    if (r > rel) { rel = r; at = x[i]; }
  }
  return { rel, at };
}

test('wasm tanh and sigmoid stay within ~3 ulp of float64 over dense sweeps', () => {
  // 3e-7 is 2.5 ulp just below 1 and 5 ulp just above 0.5; the functions measure <= 2.1e-7.
  const cases: ['tanh' | 'sigmoid', Float32Array][] = [
    ['tanh', sweep(-12, 12, 200003)], ['tanh', sweep(-0.7, 0.7, 100003)], ['tanh', sweep(-1e-3, 1e-3, 10001)],
    ['sigmoid', sweep(-80, 40, 200003)], ['sigmoid', sweep(-3, 3, 100003)],
  ];
  for (const [act, x] of cases) {
    const { rel, at } = worstRelative(act, x);
    assert.ok(rel <= 3e-7, `${act} over [${x[0]}, ${x[x.length - 1]}]: relative error ${rel} at x = ${at}`);
  }
  // Odd symmetry is exact: the magnitude is computed from |x| and the sign put back.
  const x = sweep(-9, 9, 4001), y = new Float32Array(x.length), yNeg = new Float32Array(x.length);
  wasm.activationForward('tanh', 0, x.length, x, y);
  wasm.activationForward('tanh', 0, x.length, x.map((v) => -v), yNeg);
  for (let i = 0; i < x.length; i++) assert.equal(yNeg[i], -y[i], `tanh(-x) = -tanh(x) at x = ${x[i]}`);
});

// Fills n floats at pointer p with uniform values in [-scale, scale].
function fill(p: number, n: number, rng: Random, scale: number): void {
  const f = runtime().f32;
  for (let i = 0; i < n; i++) f[(p >>> 2) + i] = rng.uniform(-scale, scale);
}

const read = (p: number, n: number) => runtime().f32.slice(p >>> 2, (p >>> 2) + n);

test('wasm LSTM and GRU forward cells: gates written over hg equal separate buffers, bit for bit', () => {
  const rng = new Random(7);
  const mem = runtime();
  for (const [B, H] of [[1, 1], [3, 3], [2, 17], [3, 65]]) {
    for (const G of [4, 3]) {
      const n = B * H, gh = G * n;
      const [xg, hg, hgCopy, state, gates, c1, h1, c2, h2] = mem.scratch(gh, gh, gh, n, gh, n, n, n, n);
      fill(xg, gh, rng, 3); fill(hg, gh, rng, 3); fill(state, n, rng, 1);
      mem.put(hgCopy, read(hg, gh));
      if (G === 4) {
        mem.ex.lstmCellForward(B, H, xg, hg, state, gates, c1, h1);
        mem.ex.lstmCellForward(B, H, xg, hgCopy, state, hgCopy, c2, h2);
        assert.deepEqual(read(c2, n), read(c1, n), `lstm B=${B} H=${H}: c`);
      } else {
        mem.ex.gruCellForward(B, H, xg, hg, state, gates, h1);
        mem.ex.gruCellForward(B, H, xg, hgCopy, state, hgCopy, h2);
      }
      const label = `${G === 4 ? 'lstm' : 'gru'} B=${B} H=${H}`;
      assert.deepEqual(read(h2, n), read(h1, n), `${label}: h`);
      assert.deepEqual(read(hgCopy, gh), read(gates, gh), `${label}: gates`);
    }
  }
});

type Run = (x: Float32Array, y: Float32Array) => void;

// The largest error over x in float32 ulps of the exact value (the sweeps below stay where that
// value is a normal float).
function worstUlps(act: 'tanh' | 'sigmoid', x: Float32Array, run: Run): { ulps: number; at: number } {
  const y = new Float32Array(x.length);
  run(x, y);
  const f = act === 'tanh' ? Math.tanh : sigmoid;
  let ulps = 0, at = NaN;
  for (let i = 0; i < x.length; i++) {
    const e = f(x[i]);
    const u = Math.abs(y[i] - e) / 2 ** (Math.floor(Math.log2(Math.abs(e))) - 23);
    if (!(u <= ulps)) { ulps = u; at = x[i]; }
  }
  return { ulps, at };
}

// |x| from `lo` to `hi`, evenly on a log scale, both signs.
function logSweep(lo: number, hi: number, n: number): Float32Array {
  const x = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    x[2 * i + 1] = Math.exp(Math.log(lo) + ((Math.log(hi) - Math.log(lo)) * i) / (n - 1));
    x[2 * i] = -x[2 * i + 1];
  }
  return x;
}

// The plain SIMD build (dist/wasm/rnnkit.wasm: no fused multiply-adds, ln 2 split in two for
// tanh too) next to the one this engine loads, on its own memory.
function plainBuild(): WasmExports {
  const module = new WebAssembly.Module(readFileSync(new URL('../../wasm/rnnkit.wasm', import.meta.url)));
  return new WebAssembly.Instance(module, wasmImports(null)).exports as unknown as WasmExports;
}

function runOn(ex: WasmExports, act: 'tanh' | 'sigmoid'): Run {
  return (x, y) => {
    const p = ex.alloc(8 * x.length + 16);
    new Float32Array(ex.memory.buffer, p, x.length).set(x);
    ex.activationForward(act === 'tanh' ? 0 : 1, 0, x.length, p, p + 4 * x.length);
    y.set(new Float32Array(ex.memory.buffer, p + 4 * x.length, x.length));
    ex.free(p);
  };
}

test('wasm tanh and sigmoid within 2.5 ulp of float64 from tiny to saturated |x|, in both builds', () => {
  const plain = plainBuild();
  const builds: [string, (act: 'tanh' | 'sigmoid') => Run][] = [
    ['loaded build', (act) => (x, y) => wasm.activationForward(act, 0, x.length, x, y)],
    ['plain SIMD build', (act) => runOn(plain, act)],
  ];
  // Measured: tanh <= 2.25 ulp, sigmoid <= 2.3 ulp (at x ~ -16.6, where 1 + 2^24 rounds).
  const cases: ['tanh' | 'sigmoid', Float32Array][] = [
    ['tanh', logSweep(1e-30, 30, 100003)], ['tanh', sweep(-0.4, 0.4, 100003)],
    // Down to -87, where sigmoid's result is still a normal float.
    ['sigmoid', sweep(-87, 30, 200003)], ['sigmoid', logSweep(1e-30, 87, 100003)],
  ];
  for (const [name, run] of builds) {
    for (const [act, x] of cases) {
      const { ulps, at } = worstUlps(act, x, run(act));
      assert.ok(ulps <= 2.5, `${name}: ${act} is ${ulps.toFixed(2)} ulp off at x = ${at}`);
    }
  }
});

test('wasm tanh and sigmoid at NaN, infinities, zeros, subnormals and out-of-range inputs', () => {
  const run = (act: 'tanh' | 'sigmoid', values: number[]) => {
    const x = Float32Array.from(values), y = new Float32Array(x.length);
    wasm.activationForward(act, 0, x.length, x, y);
    return [...y];
  };
  const [tNaN, sNaN] = [run('tanh', [NaN])[0], run('sigmoid', [NaN])[0]];
  assert.ok(Number.isNaN(tNaN) && Number.isNaN(sNaN), 'NaN stays NaN');
  // tanh(x) = x for tiny x, subnormals included, with the sign (of -0 too).
  const tanhAt = [Infinity, -Infinity, 0, -0, 1e-45, -1e-45, 1e-30, 3e38, -3e38, 88, -88, 200, -200];
  assert.deepEqual(run('tanh', tanhAt), [1, -1, 0, -0, 1e-45, -1e-45, 1e-30, 1, -1, 1, -1, 1, -1].map(Math.fround));
  assert.deepEqual(run('sigmoid', [Infinity, 0, -0, 1e-45, 1e-30, 88, 200, 3e38]), [1, 0.5, 0.5, 0.5, 0.5, 1, 1, 1]);
  assert.ok(Math.abs(run('sigmoid', [-88])[0] - sigmoid(-88)) <= 1e-40, 'sigmoid(-88)');
  // Below -88.4 sigmoid gives 1/(1 + e^88.38) ~ 4e-39, not a smaller subnormal or 0.
  for (const y of run('sigmoid', [-Infinity, -3e38, -200])) assert.ok(y >= 0 && y < 1e-38, `sigmoid far below: ${y}`);
});
