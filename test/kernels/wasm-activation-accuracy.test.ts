import assert from 'node:assert/strict';
import { test } from 'node:test';
import { wasmKernels as wasm } from '../../src/kernels/wasm/index.js';
import { runtime } from '../../src/kernels/wasm/runtime.js';
import { type WasmExports, wasmImports } from '../../src/kernels/wasm/loader.js';
import { readFileSync } from 'node:fs';
import { Random } from '../../src/util/random.js';
import { type Act, type RunActivation, logSweep, sigmoid, sweep, worstRelative, worstUlps } from '../helpers/activation-sweep.js';

// The wasm cells' tanh and sigmoid (expm1-based tanh, sigmoid without expV's fix-ups; see
// src/kernels/wasm/assembly/math.ts) over a dense sweep, against float64: a few ulp, much
// tighter than the comparison tests' tolerances, so a wrong coefficient or a lost reduction
// step shows here first. And the two-pass LSTM and GRU forward cells with the gates written
// over hg (what an inference pass does inside wasm memory) against separate buffers.

const runWasm = (act: Act): RunActivation => (x, y) => wasm.activationForward(act, 0, x.length, x, y);

test('wasm tanh and sigmoid stay within ~3 ulp of float64 over dense sweeps', () => {
  // 3e-7 is 2.5 ulp just below 1 and 5 ulp just above 0.5; the functions measure <= 2.1e-7.
  const cases: [Act, Float32Array][] = [
    ['tanh', sweep(-12, 12, 200003)], ['tanh', sweep(-0.7, 0.7, 100003)], ['tanh', sweep(-1e-3, 1e-3, 10001)],
    ['sigmoid', sweep(-80, 40, 200003)], ['sigmoid', sweep(-3, 3, 100003)],
  ];
  for (const [act, x] of cases) {
    const { rel, at } = worstRelative(act, x, runWasm(act));
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

// The plain SIMD build (dist/wasm/rnnkit.wasm: no fused multiply-adds, ln 2 split in two for
// tanh too) next to the one this engine loads, on its own memory.
function plainBuild(): WasmExports {
  const module = new WebAssembly.Module(readFileSync(new URL('../../wasm/rnnkit.wasm', import.meta.url)));
  return new WebAssembly.Instance(module, wasmImports(null)).exports as unknown as WasmExports;
}

function runOn(ex: WasmExports, act: Act): RunActivation {
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
  const builds: [string, (act: Act) => RunActivation][] = [
    ['loaded build', runWasm],
    ['plain SIMD build', (act) => runOn(plain, act)],
  ];
  // Measured: tanh <= 2.25 ulp, sigmoid <= 2.3 ulp (at x ~ -16.6, where 1 + 2^24 rounds).
  const cases: [Act, Float32Array][] = [
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
  const run = (act: Act, values: number[]) => {
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
