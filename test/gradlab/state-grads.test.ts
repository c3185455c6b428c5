import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { recordStateGradients, stateGradientNorms } from '../../src/gradlab/state-grads.js';
import { registerBackend, setBackend } from '../../src/kernels/backend.js';
import { jsKernels } from '../../src/kernels/js/index.js';
import type { Kernels } from '../../src/kernels/kernels.js';
import { LSTM } from '../../src/nn/rnn.js';
import { backward, noGrad } from '../../src/tensor/autograd.js';
import { weightedSum } from '../../src/tensor/ops/basic.js';
import { type CellMode, type RecurrentWeights, gateCount, recurrentLayer } from '../../src/tensor/ops/recurrent.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { Random } from '../../src/util/random.js';
import { assertClose } from '../helpers/close.js';

// dhSteps (the total loss gradient wrt each step's hidden state) against central finite
// differences in float64: the sequence is cut after step t, the state h<t> is perturbed where it
// is both an output and the next run's initial state, so every path from h<t> to the loss counts.

const T = 5, B = 2, I = 3, H = 4;

function randomTensor(rng: Random, shape: number[], scale = 0.6): Tensor {
  const t = Tensor.zeros(shape, 'float64');
  for (let i = 0; i < t.size; i++) t.data[i] = rng.uniform(-scale, scale);
  return t;
}

function setup(mode: CellMode, seed: number) {
  const rng = new Random(seed);
  const G = gateCount(mode);
  const w: RecurrentWeights = {
    wIh: randomTensor(rng, [G * H, I]), wHh: randomTensor(rng, [G * H, H], 0.9),
    bIh: randomTensor(rng, [G * H]), bHh: randomTensor(rng, [G * H]), wHr: null,
  };
  w.wHh.name = 'weight_hh_l0';
  for (const p of Object.values(w)) if (p) p.requiresGrad = true;
  const x = randomTensor(rng, [T, B, I], 1);
  const lossWeights = randomTensor(rng, [T, B, H], 1);
  const cfg = { mode, hiddenSize: H, activation: 'tanh' as const, negativeSlope: 0.01, reverse: false, lengths: null };
  return { w, x, lossWeights, cfg };
}

/** L = Σ lossWeights ⊙ output, from the outputs of steps 0..T-1. */
function lossOf(out: ArrayLike<number>, lossWeights: Tensor): number {
  let s = 0;
  for (let i = 0; i < out.length; i++) s += out[i] * lossWeights.data[i];
  return s;
}

/** The loss with h<t> of sequence b, unit j, moved by delta. */
function perturbedLoss(mode: CellMode, seed: number, t: number, b: number, j: number, delta: number): number {
  const { w, x, lossWeights, cfg } = setup(mode, seed);
  return noGrad(() => {
    const head = new Tensor(x.data.slice(0, (t + 1) * B * I), [t + 1, B, I]);
    const a = recurrentLayer(head, null, null, w, cfg);
    const out = new Float64Array(T * B * H);
    out.set(a.output.data);
    const h = Float64Array.from(a.hN.data);
    h[b * H + j] += delta;
    out[(t * B + b) * H + j] += delta;
    if (t < T - 1) {
      const tail = new Tensor(x.data.slice((t + 1) * B * I), [T - 1 - t, B, I]);
      const r = recurrentLayer(tail, new Tensor(h, [B, H]), a.cN, w, cfg);
      out.set(r.output.data, (t + 1) * B * H);
    }
    return lossOf(out, lossWeights);
  });
}

describe('recordStateGradients', () => {
  for (const mode of ['rnn', 'lstm', 'gru'] as const) {
    test(`${mode}: dL/dh<t> matches finite differences at every step`, () => {
      const seed = 11;
      const { w, x, lossWeights, cfg } = setup(mode, seed);
      const { value: out, layers } = recordStateGradients(() => recurrentLayer(x, null, null, w, cfg).output);
      backward(weightedSum(out, lossWeights));
      assert.equal(layers.length, 1);
      assert.equal(layers[0].label, 'l0');
      const numeric = new Float64Array(T * B * H);
      const eps = 1e-6;
      for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) for (let j = 0; j < H; j++) {
        numeric[(t * B + b) * H + j] = (perturbedLoss(mode, seed, t, b, j, eps) - perturbedLoss(mode, seed, t, b, j, -eps)) / (2 * eps);
      }
      assertClose(layers[0].dhSteps, numeric, { atol: 1e-8, rtol: 1e-6 }, `${mode} dhSteps`);
      // The step gradient is more than the output's own gradient (lossWeights) except at the end.
      assertClose(layers[0].dhSteps.subarray((T - 1) * B * H), lossWeights.data.subarray((T - 1) * B * H), { atol: 1e-12, rtol: 0 }, 'last step');
    });
  }

  test('a reverse direction fills time order: equal to a forward run on the time-reversed input', () => {
    const { w, x, lossWeights, cfg } = setup('gru', 5);
    const flip = (t: Tensor) => {
      const out = Tensor.zeros(t.shape, 'float64');
      const n = t.size / T;
      for (let s = 0; s < T; s++) out.data.set(t.data.subarray(s * n, (s + 1) * n), (T - 1 - s) * n);
      return out;
    };
    const rev = recordStateGradients(() => recurrentLayer(x, null, null, w, { ...cfg, reverse: true }).output);
    backward(weightedSum(rev.value, lossWeights));
    const fwd = recordStateGradients(() => recurrentLayer(flip(x), null, null, w, cfg).output);
    backward(weightedSum(fwd.value, flip(lossWeights)));
    const flipped = flip(new Tensor(fwd.layers[0].dhSteps, [T, B, H]));
    assertClose(rev.layers[0].dhSteps, flipped.data, { atol: 1e-12, rtol: 1e-10 }, 'reverse dhSteps');
  });

  test('steps past a sequence\'s end get nothing; norms are per step', () => {
    const { w, x, lossWeights, cfg } = setup('lstm', 3);
    const r = recordStateGradients(() => recurrentLayer(x, null, null, w, { ...cfg, lengths: Int32Array.from([T, 2]) }).output);
    backward(weightedSum(r.value, lossWeights));
    const g = r.layers[0].dhSteps;
    for (let t = 2; t < T; t++) for (let j = 0; j < H; j++) assert.equal(g[(t * B + 1) * H + j], 0, `t=${t}`);
    const norms = stateGradientNorms(r.layers[0]);
    let s = 0;
    for (let i = 0; i < B * H; i++) s += g[i] ** 2;
    assert.ok(Math.abs(norms[0] - Math.sqrt(s)) < 1e-12);
  });

  test('labels follow PyTorch parameter names for a 2-layer bidirectional LSTM; only recorded runs count', () => {
    const lstm = new LSTM({ inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true, dtype: 'float64', rng: new Random(1) });
    const x = Tensor.zeros([T, B, 3], 'float64');
    lstm.forward(x);
    const r = recordStateGradients(() => lstm.forward(x).output);
    lstm.forward(x);
    assert.deepEqual(r.layers.map((l) => l.label), ['l0', 'l0_reverse', 'l1', 'l1_reverse']);
    assert.deepEqual(r.layers.map((l) => [l.T, l.B, l.P]), Array(4).fill([T, B, 4]));
    const none = recordStateGradients(() => noGrad(() => lstm.forward(x)));
    assert.equal(none.layers.length, 0, 'no gradient, nothing to record');
  });

  test('a backend without dhSteps support runs recorded layers on the js reference, others on itself', () => {
    let calls = 0;
    const counting: Kernels = {
      ...jsKernels, name: 'counting-no-dh', supportsDhSteps: false,
      sequenceForward: (...args) => { calls++; return jsKernels.sequenceForward(...args); },
    };
    registerBackend(counting);
    setBackend('counting-no-dh');
    try {
      const { w, x, lossWeights, cfg } = setup('rnn', 2);
      const r = recordStateGradients(() => recurrentLayer(x, null, null, w, cfg).output);
      backward(weightedSum(r.value, lossWeights));
      assert.equal(calls, 0);
      assert.ok(stateGradientNorms(r.layers[0]).every((n) => n > 0));
      recurrentLayer(x, null, null, w, cfg);
      assert.equal(calls, 1);
    } finally {
      setBackend('js');
    }
  });
});
