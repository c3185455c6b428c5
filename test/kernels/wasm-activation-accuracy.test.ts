import assert from 'node:assert/strict';
import { test } from 'node:test';
import { wasmKernels as wasm } from '../../src/kernels/wasm/index.js';
import { runtime } from '../../src/kernels/wasm/runtime.js';
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
  // 3e-7 is 2.5 ulp just below 1 and 5 ulp just above 0.5; the functions measure <= 1.8e-7.
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
