import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CharLM } from '../../src/apps/charlm/model.js';
import { Embedding } from '../../src/nn/embedding.js';
import { Linear } from '../../src/nn/linear.js';
import { Module } from '../../src/nn/module.js';
import { LSTM } from '../../src/nn/rnn.js';
import { backward } from '../../src/tensor/autograd.js';
import { type DType, Tensor } from '../../src/tensor/tensor.js';
import { clipGradNorm } from '../../src/train/clip.js';
import { crossEntropy } from '../../src/train/losses/crossEntropy.js';
import { type StepInfo, trainLoop } from '../../src/train/loop.js';
import { Adam } from '../../src/train/optim/adam.js';
import { assertClose } from '../helpers/close.js';
import { loadFixture } from '../helpers/fixtures.js';

// One whole training step against PyTorch 1.13 (scripts/fixtures/e2e_fixture.py,
// fixtures/e2e/charlm_lstm.json): Embedding(11, 5) -> LSTM(5, 7, 2 layers) -> Linear(7, 11) ->
// mean cross-entropy over [T=6, B=3] targets from a carried state; the loss and every parameter
// gradient, then 3 steps of clip_grad_norm_(1.0) + Adam(lr 1e-2) through trainLoop.

interface Fixture {
  config: { vocabSize: number; embeddingDim: number; hiddenSize: number; numLayers: number; T: number; B: number };
  ids: number[]; targets: number[]; h0: number[]; c0: number[];
  params: Record<string, { shape: number[]; values: number[] }>;
  loss: number;
  grads: Record<string, number[]>;
  adam: { lr: number; maxNorm: number; losses: number[]; gradNorms: number[]; params: Record<string, number[]> };
}

const fx = loadFixture<Fixture>('e2e/charlm_lstm.json');
const { vocabSize: V, embeddingDim: E, hiddenSize: H, numLayers: L, T, B } = fx.config;

interface Net {
  module: Module;
  forward(h0: Tensor, c0: Tensor): Tensor;
}

/** CharLM itself (float32, dropout 0), the model the charlm app trains. */
function charLM(): Net {
  const model = new CharLM({ vocabSize: V, embeddingDim: E, cell: 'lstm', hiddenSize: H, numLayers: L, dropout: 0 });
  return { module: model, forward: (h, c) => model.forward(fx.ids, T, B, { h, c }).logits };
}

/** The same network from the nn modules, in either precision. */
class ModuleNet extends Module {
  readonly embedding: Embedding;
  readonly rnn: LSTM;
  readonly head: Linear;
  constructor(dtype: DType) {
    super();
    this.embedding = this.registerModule('embedding', new Embedding({ numEmbeddings: V, embeddingDim: E, dtype }));
    this.rnn = this.registerModule('rnn', new LSTM({ inputSize: E, hiddenSize: H, numLayers: L, dtype }));
    this.head = this.registerModule('head', new Linear({ inFeatures: H, outFeatures: V, dtype }));
  }
}

function moduleNet(dtype: DType): Net {
  const m = new ModuleNet(dtype);
  return {
    module: m,
    forward: (h0, c0) => m.head.forward(m.rnn.forward(m.embedding.forward(fx.ids, [T, B]), { h0, c0 }).output),
  };
}

/** Loads PyTorch's weights by name; they are float32 values, so fround makes them exact in float64 too. */
function loadTorchWeights(net: Net, dtype: DType): void {
  const state = new Map<string, Tensor>();
  for (const [name, p] of Object.entries(fx.params)) state.set(name, Tensor.from(p.values.map(Math.fround), p.shape, dtype));
  net.module.loadStateDict(state);
}

function carriedState(dtype: DType): [Tensor, Tensor] {
  return [Tensor.from(fx.h0.map(Math.fround), [L, B, H], dtype), Tensor.from(fx.c0.map(Math.fround), [L, B, H], dtype)];
}

const cases: { name: string; dtype: DType; make: () => Net; loss: { atol: number; rtol: number };
  grad: { atol: number; rtol: number }; after: { atol: number; rtol: number } }[] = [
  { name: 'CharLM float32', dtype: 'float32', make: charLM,
    loss: { atol: 1e-5, rtol: 1e-4 }, grad: { atol: 1e-4, rtol: 1e-3 }, after: { atol: 2e-5, rtol: 1e-4 } },
  // float64 agrees to the fixture's 9 digits: any wrong term in a backward shows up here.
  { name: 'nn modules float64', dtype: 'float64', make: () => moduleNet('float64'),
    loss: { atol: 1e-12, rtol: 1e-8 }, grad: { atol: 1e-12, rtol: 1e-7 }, after: { atol: 1e-12, rtol: 1e-7 } },
];

for (const c of cases) {
  test(`${c.name}: loss and every parameter gradient match PyTorch`, () => {
    const net = c.make();
    loadTorchWeights(net, c.dtype);
    const [h0, c0] = carriedState(c.dtype);
    const loss = crossEntropy(net.forward(h0, c0), fx.targets, { reduction: 'mean' });
    assertClose([loss.item()], [fx.loss], c.loss, `${c.name}: loss`);
    backward(loss);
    const named = net.module.namedParameters();
    assert.deepEqual(named.map(([n]) => n).sort(), Object.keys(fx.grads).sort());
    for (const [name, p] of named) {
      assert.ok(p.grad, `${name} has no gradient`);
      assertClose(p.grad, fx.grads[name], c.grad, `${c.name}: gradient of ${name}`);
    }
    // The carried state is detached input: no gradient flows into it.
    assert.equal(h0.grad, null);
  });

  test(`${c.name}: 3 steps of clipGradNorm(1.0) + Adam(1e-2) in trainLoop match PyTorch`, () => {
    const net = c.make();
    loadTorchWeights(net, c.dtype);
    const [h0, c0] = carriedState(c.dtype);
    const named = net.module.namedParameters();
    const params = named.map(([, p]) => p);
    const optimizer = new Adam(params, { lr: fx.adam.lr });
    const steps: StepInfo[] = [];
    const result = trainLoop({
      params: named, optimizer, maxSteps: fx.adam.losses.length,
      forward: () => ({ loss: crossEntropy(net.forward(h0, c0), fx.targets, { reduction: 'mean' }), items: T * B }),
      clip: () => clipGradNorm(params, fx.adam.maxNorm),
      afterStep: (info) => steps.push(info),
    });
    assert.equal(result.steps, 3);
    assert.equal(result.reason, 'steps');
    assertClose(steps.map((s) => s.loss), fx.adam.losses, c.loss, `${c.name}: loss of each step`);
    assertClose(steps.map((s) => s.gradNorm!), fx.adam.gradNorms, c.grad, `${c.name}: gradient norm of each step`);
    // Clipping was active in every step (PyTorch's norms are all above 1), so it is tested, not skipped.
    assert.ok(fx.adam.gradNorms.every((n) => n > fx.adam.maxNorm));
    for (const [name, p] of named) assertClose(p.data, fx.adam.params[name], c.after, `${c.name}: ${name} after 3 steps`);
    // And the steps moved every parameter (the fixture is not the starting point).
    for (const [name, p] of named) {
      const start = fx.params[name].values;
      assert.ok(start.some((v, i) => Math.abs(v - p.data[i]) > 1e-3), `${name} did not move`);
    }
  });
}
