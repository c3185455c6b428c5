import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { jacobianNorms, spectralNorm, stepJacobians } from '../../src/gradlab/jacobian.js';
import { recordStateGradients } from '../../src/gradlab/state-grads.js';
import type { Activation } from '../../src/kernels/kernels.js';
import { noGrad } from '../../src/tensor/autograd.js';
import { type CellMode, type RecurrentWeights, gateCount, recurrentLayer } from '../../src/tensor/ops/recurrent.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { Random } from '../../src/util/random.js';
import { assertClose } from '../helpers/close.js';

// The explicit step Jacobians da<t>/da<t-1> against finite differences of the layer itself
// (one step from the recorded state, perturbed), and the spectral norm against known values.

const T = 4, B = 2, I = 3, H = 3;

function randomTensor(rng: Random, shape: number[], scale: number): Tensor {
  const t = Tensor.zeros(shape, 'float64');
  for (let i = 0; i < t.size; i++) t.data[i] = rng.uniform(-scale, scale);
  return t;
}

function setup(mode: CellMode, activation: Activation, reverse: boolean) {
  const rng = new Random(7);
  const G = gateCount(mode);
  const w: RecurrentWeights = {
    wIh: randomTensor(rng, [G * H, I], 0.8), wHh: randomTensor(rng, [G * H, H], 0.9),
    bIh: randomTensor(rng, [G * H], 0.5), bHh: randomTensor(rng, [G * H], 0.5), wHr: null,
  };
  for (const p of Object.values(w)) if (p) p.requiresGrad = true;
  const x = randomTensor(rng, [T, B, I], 1.5);
  const cfg = { mode, hiddenSize: H, activation, negativeSlope: 0.1, reverse, lengths: null };
  const h0 = randomTensor(rng, [B, H], 0.5), c0 = mode === 'lstm' ? randomTensor(rng, [B, H], 0.5) : null;
  return { w, x, cfg, h0, c0 };
}

const cases: [CellMode, Activation, boolean][] = [
  ['rnn', 'tanh', false], ['rnn', 'sigmoid', false], ['rnn', 'leaky_relu', true], ['lstm', 'tanh', false], ['lstm', 'tanh', true], ['gru', 'tanh', false],
];

describe('stepJacobians', () => {
  for (const [mode, act, reverse] of cases) {
    test(`${mode}${mode === 'rnn' ? ` ${act}` : ''}${reverse ? ' reverse' : ''}: matches finite differences of one layer step`, () => {
      const { w, x, cfg, h0, c0 } = setup(mode, act, reverse);
      const rec = recordStateGradients(() => recurrentLayer(x, h0, c0, w, cfg));
      const run = rec.layers[0].run;
      const S = mode === 'lstm' ? 2 * H : H;
      for (let b = 0; b < B; b++) {
        const Js = stepJacobians(run, b);
        assert.equal(Js.length, T);
        // States before each step, in step order, from the layer's own outputs.
        let h = h0.data.slice(b * H, (b + 1) * H), c = c0 ? c0.data.slice(b * H, (b + 1) * H) : new Float64Array(H);
        for (let s = 0; s < T; s++) {
          const t = reverse ? T - 1 - s : s;
          const step = (state: Float64Array) => noGrad(() => {
            const xs = new Tensor(x.data.slice((t * B + b) * I, (t * B + b + 1) * I), [1, 1, I]);
            const r = recurrentLayer(xs, new Tensor(state.slice(0, H), [1, H]), mode === 'lstm' ? new Tensor(state.slice(H), [1, H]) : null,
              w, { ...cfg, reverse: false });
            return Float64Array.from([...r.hN.data, ...(r.cN ? r.cN.data : [])]);
          });
          const state = Float64Array.from([...h, ...(mode === 'lstm' ? c : [])]);
          const numeric = new Float64Array(S * S);
          const eps = 1e-6;
          for (let j = 0; j < S; j++) {
            const up = state.slice(), down = state.slice();
            up[j] += eps; down[j] -= eps;
            const a = step(up), z = step(down);
            for (let i = 0; i < S; i++) numeric[i * S + j] = (a[i] - z[i]) / (2 * eps);
          }
          assertClose(Js[s], numeric, { atol: 1e-8, rtol: 1e-6 }, `J at step ${s}, sequence ${b}`);
          const next = step(state);
          h = next.slice(0, H);
          c = next.slice(H);
        }
      }
      const norms = jacobianNorms(run, { sequences: 2 });
      assert.equal(norms.spectral.length, T);
      assert.equal(norms.cellPath !== null, mode === 'lstm');
      for (let s = 0; s < T; s++) assert.ok(norms.spectral[s] <= norms.frobenius[s] + 1e-12, 'spectral <= Frobenius');
    });
  }

  test('spectralNorm: known singular values', () => {
    // [[1, 2], [3, 4]]: sigma_max = sqrt(15 + sqrt(221)) = 5.46498570...
    assert.ok(Math.abs(spectralNorm(Float64Array.from([1, 2, 3, 4]), 2) - Math.sqrt(15 + Math.sqrt(221))) < 1e-10);
    // 0.9 times a rotation: every singular value is 0.9.
    const a = 0.7;
    assert.ok(Math.abs(spectralNorm(Float64Array.from([0.9 * Math.cos(a), -0.9 * Math.sin(a), 0.9 * Math.sin(a), 0.9 * Math.cos(a)]), 2) - 0.9) < 1e-12);
    assert.equal(spectralNorm(new Float64Array(9), 3), 0);
  });

  test('clear errors for projections and per-sequence lengths', () => {
    const { w, x, cfg } = setup('rnn', 'tanh', false);
    const rec = recordStateGradients(() => recurrentLayer(x, null, null, w, { ...cfg, lengths: Int32Array.from([T, 2]) }));
    assert.throws(() => stepJacobians(rec.layers[0].run, 0), /per-sequence lengths are not supported/);
  });
});
