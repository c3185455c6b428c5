import assert from 'node:assert/strict';
import { test } from 'node:test';
import { kernels, setBackend } from '../../src/kernels/backend.js';
import type { Kernels } from '../../src/kernels/kernels.js';
import { wasmKernels as wasm } from '../../src/kernels/wasm/index.js';
import { runtime } from '../../src/kernels/wasm/runtime.js';
import { statePointer } from '../../src/kernels/wasm/state.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { Adagrad } from '../../src/train/optim/adagrad.js';
import { Adam } from '../../src/train/optim/adam.js';
import { AdamW } from '../../src/train/optim/adamw.js';
import type { Optimizer } from '../../src/train/optim/optimizer.js';
import { RMSprop } from '../../src/train/optim/rmsprop.js';
import { SGD } from '../../src/train/optim/sgd.js';
import { Random } from '../../src/util/random.js';
import { rand } from '../helpers/sequence-case.js';

// Optimiser state kept in wasm memory (src/kernels/wasm/state.ts): updates on it in place give
// exactly the numbers of updates on ordinary arrays, across memory growth, for every optimiser.

const shared = runtime().ex.memory.buffer instanceof SharedArrayBuffer;

test('wasm state buffers: zeros in wasm memory, updated in place exactly like copied state, across memory growth', { skip: !shared && 'no shared memory' }, () => {
  const rng = new Random(2);
  const n = 40_001; // over two update chunks, odd
  const p = rand(n, rng, 1), g = rand(n, rng, 1);
  const m = wasm.stateBuffer!(n), v = wasm.stateBuffer!(n);
  assert.ok(statePointer(m) > 0 && statePointer(v) > 0, 'state buffers live in wasm memory');
  assert.ok(m.every((x) => x === 0) && v.every((x) => x === 0));
  const p2 = p.slice(), m2 = new Float32Array(n), v2 = new Float32Array(n);
  assert.equal(statePointer(m2), 0);
  const h = { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, amsgrad: false };
  for (let step = 1; step <= 3; step++) {
    wasm.adamUpdate(p, g, m, v, null, h, true, 1e-2 / (1 - 0.9 ** step), Math.sqrt(1 - 0.999 ** step));
    wasm.adamUpdate(p2, g, m2, v2, null, h, true, 1e-2 / (1 - 0.9 ** step), Math.sqrt(1 - 0.999 ** step));
    // Grow the memory in between: the views must stay valid.
    const big = runtime().ex.alloc(64 << 20);
    runtime().ex.free(big);
  }
  assert.deepEqual(p, p2);
  assert.deepEqual(m, m2);
  assert.deepEqual(v, v2);
});

type Make = (params: Tensor[]) => Optimizer<never>;
const optimisers: [string, Make][] = [
  ['Adam amsgrad', (ps) => new Adam(ps, { lr: 1e-2, amsgrad: true, weightDecay: 0.1 }) as never],
  ['AdamW', (ps) => new AdamW(ps, { lr: 1e-2 }) as never],
  ['SGD nesterov', (ps) => new SGD(ps, { lr: 1e-2, momentum: 0.9, nesterov: true }) as never],
  ['RMSprop centered', (ps) => new RMSprop(ps, { lr: 1e-2, momentum: 0.5, centered: true }) as never],
  ['Adagrad', (ps) => new Adagrad(ps, { lr: 1e-2 }) as never],
];

/** Parameters after 3 steps with fixed gradients, and a 4th step after a stateDict round trip. */
function train(make: Make, resident: boolean): Float32Array[] {
  const rng = new Random(9);
  const ps = [new Tensor(rand(20_000, rng, 1), [20_000], true), new Tensor(rand(7, rng, 1), [7], true)];
  const grads = ps.map((p) => rand(p.size, rng, 1));
  let opt = make(ps);
  const stepOnce = () => { ps.forEach((p, i) => { p.grad = grads[i].slice(); }); opt.step(); };
  for (let s = 0; s < 3; s++) stepOnce();
  // The optimiser's own buffers (not public: read here to see where they live).
  const own = (opt as unknown as { state: Map<string, Float32Array>[] }).state[0];
  assert.equal([...own.values()].every((b) => statePointer(b) > 0), resident && shared, 'where the state lives');
  const state = opt.stateDict();
  for (const b of Object.values(state.buffers)) assert.ok(!(b.buffer instanceof SharedArrayBuffer), 'stateDict holds copies');
  opt = make(ps);
  opt.loadStateDict(state);
  stepOnce();
  return ps.map((p) => p.data as Float32Array);
}

test('every optimiser on wasm: state in wasm memory gives the numbers of state in ordinary arrays', () => {
  const before = kernels().name;
  const k = setBackend('wasm') as Kernels;
  const stateBuffer = k.stateBuffer;
  try {
    for (const [name, make] of optimisers) {
      const resident = train(make, true);
      k.stateBuffer = undefined;
      const plain = train(make, false);
      k.stateBuffer = stateBuffer;
      resident.forEach((r, i) => assert.deepEqual(r, plain[i], `${name}: parameter ${i}`));
    }
  } finally {
    k.stateBuffer = stateBuffer;
    setBackend(before);
  }
});
