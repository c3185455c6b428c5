import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { Linear } from '../../src/nn/linear.js';
import { Module } from '../../src/nn/module.js';
import { scale } from '../../src/tensor/ops/basic.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { loadCheckpoint } from '../../src/train/checkpoint.js';
import { type FitLossResult, type FitOptions, fit } from '../../src/train/fit.js';
import { NonFiniteError } from '../../src/train/guards.js';
import { History } from '../../src/train/history.js';
import { crossEntropy } from '../../src/train/losses/crossEntropy.js';
import { accuracy } from '../../src/train/metrics.js';
import { SGD } from '../../src/train/optim/sgd.js';
import { type Progress, type ProgressUpdate, createProgress } from '../../src/train/progress.js';
import { ExponentialLR, ReduceLROnPlateau, StepLR } from '../../src/train/schedules.js';
import { Random } from '../../src/util/random.js';
import { parameterValues, withTempDir } from './fit-helpers.js';

// fit()'s control flow on a tiny linear model, with validation metrics scripted per evaluation:
// early stopping, schedules, callbacks, progress, array data and the NaN guard.

class Tiny extends Module {
  readonly lin: Linear;
  constructor() {
    super();
    this.lin = this.registerModule('lin', new Linear({ inFeatures: 2, outFeatures: 2, rng: new Random(1) }));
  }
}
interface Batch { id: number; x: Tensor; y: number[] }
const batches: Batch[] = [0, 1, 2, 3].map((id) => ({ id, x: new Tensor(Float32Array.from([id, 1, 1 - id, 0.5]), [2, 2]), y: [id % 2, 1 - (id % 2)] }));
const lossOf = (b: Batch, m: Tiny): FitLossResult => {
  const logits = m.lin.forward(b.x);
  return { loss: crossEntropy(logits, b.y), items: 2, ...accuracy(logits, b.y) };
};

/** Validation that reports the next scripted loss (and accuracy) at each evaluation. */
function scripted(losses: number[], correct?: number[]) {
  let k = 0;
  return {
    data: [0],
    evaluate: () => {
      const i = k++;
      return { loss: losses[i], items: 1, ...(correct ? { correct: correct[i], total: 10 } : {}) };
    },
  };
}

function options(o: Partial<FitOptions<Batch, Tiny, number>>): FitOptions<Batch, Tiny, number> {
  return { model: new Tiny(), optimizer: 'sgd', lr: 0.1, trainData: batches, loss: lossOf, epochs: 10, ...o };
}

test('early stopping on val_loss stops after `patience` evaluations without improvement and restores the best weights', () => {
  const snapshots: Record<string, number[]>[] = [];
  const o = options({
    validation: scripted([1.0, 0.7, 0.8, 0.75, 0.9, 0.6, 0.5]),
    earlyStopping: { patience: 3, restoreBest: true },
  });
  o.callbacks = { onEpochEnd: () => snapshots.push(parameterValues(o.model)) };
  const r = fit(o);
  assert.equal(r.reason, 'early-stopping');
  assert.equal(r.epochs, 5);
  assert.equal(r.steps, 20);
  assert.deepEqual(r.history.column('val_loss'), [1.0, 0.7, 0.8, 0.75, 0.9]);
  assert.deepEqual([r.best?.step, r.best?.epoch, r.best?.val_loss], [8, 2, 0.7]);
  assert.equal(snapshots.length, 5);
  assert.notDeepEqual(snapshots[4], snapshots[1]);
  assert.deepEqual(parameterValues(o.model), snapshots[1]);
});

test('early stopping on val_accuracy maximises by default and honours minDelta; without restoreBest the last weights stay', () => {
  let last: Record<string, number[]> = {};
  const o = options({
    validation: scripted([1, 1, 1, 1, 1, 1, 1, 1], [5, 7, 7, 8, 8, 8, 9, 9]),
    earlyStopping: { metric: 'val_accuracy', patience: 2, minDelta: 0.05 },
  });
  o.callbacks = { onEpochEnd: () => { last = parameterValues(o.model); } };
  const r = fit(o);
  // 0.5 best, 0.7 best, 0.7 (1), 0.8 best (+0.1 > 0.05), 0.8 (1), 0.8 (2): stop after epoch 6.
  assert.equal(r.reason, 'early-stopping');
  assert.equal(r.epochs, 6);
  assert.deepEqual(r.history.column('val_accuracy'), [0.5, 0.7, 0.7, 0.8, 0.8, 0.8]);
  assert.equal(r.best?.epoch, 4);
  assert.deepEqual(parameterValues(o.model), last);
});

test('early stopping on a metric that no row has is a clear error', () => {
  assert.throws(() => fit(options({ earlyStopping: { metric: 'val_f1', patience: 1 } })),
    /fit: early stopping watches 'val_f1', but the history rows have only step, epoch, loss, accuracy, lr/);
  assert.throws(() => fit(options({ epochs: undefined })), /fit: give epochs, maxSteps or maxSeconds/);
  assert.throws(() => fit(options({ resume: true })), /fit: resume needs checkpoint.path/);
});

test('an epoch schedule steps after each epoch, a step schedule after each update, ReduceLROnPlateau after each evaluation', () => {
  const model = new Tiny();
  const sgd = new SGD(model.parameters(), { lr: 0.1 });
  const perStep: number[] = [];
  const a = fit(options({ model, optimizer: sgd, epochs: 3, schedule: new StepLR(sgd, { stepSize: 1, gamma: 0.5 }), callbacks: { onStep: (i) => perStep.push(i.lr) } }));
  assert.deepEqual(a.history.column('lr'), [0.1, 0.05, 0.025]);
  assert.deepEqual(perStep, [0.1, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025, 0.025]);
  assert.equal(sgd.lr, 0.0125);

  const model2 = new Tiny();
  const sgd2 = new SGD(model2.parameters(), { lr: 0.1 });
  const lrs: number[] = [];
  fit(options({ model: model2, optimizer: sgd2, epochs: 2, schedule: new ExponentialLR(sgd2, { gamma: 0.9 }), scheduleEvery: 'step', callbacks: { onStep: (i) => lrs.push(i.lr) } }));
  assert.deepEqual(lrs, Array.from({ length: 8 }, (_, s) => 0.1 * 0.9 ** s));

  const model3 = new Tiny();
  const sgd3 = new SGD(model3.parameters(), { lr: 0.1 });
  const c = fit(options({
    model: model3, optimizer: sgd3, epochs: 6, validation: scripted([1, 0.9, 0.95, 0.97, 0.96, 0.99]),
    schedule: new ReduceLROnPlateau(sgd3, { patience: 1, factor: 0.5 }),
  }));
  // Best at evaluation 2; evaluations 3 and 4 are bad: more than patience 1, so epoch 5 runs at half.
  assert.deepEqual(c.history.column('lr'), [0.1, 0.1, 0.1, 0.1, 0.05, 0.05]);
  assert.throws(() => fit(options({ schedule: new ReduceLROnPlateau(sgd3), scheduleEvery: 'step' })), /ReduceLROnPlateau steps after evaluations/);
});

test('callbacks, a custom progress display, evalEvery, and array data with and without shuffling', () => {
  const updates: number[] = [], validations: [number, number][] = [], evals: number[] = [], epochEnds: [number, number | undefined][] = [];
  const progress: Progress = {
    update: (u: ProgressUpdate) => updates.push(u.step),
    validation: (step, loss) => validations.push([step, loss]),
    log: () => {}, stop: () => { throw new Error('fit stops only the progress display it created'); },
  };
  const order: number[] = [];
  const r = fit(options({
    epochs: 3, evalEvery: 3, progress, validation: scripted([3, 2, 1, 0.5]),
    loss: (b, m) => { if (m.training) order.push(b.id); return lossOf(b, m); },
    callbacks: { onEval: (step) => evals.push(step), onEpochEnd: (e, row) => epochEnds.push([e, row?.step]) },
  }));
  assert.deepEqual(updates, Array.from({ length: 12 }, (_, i) => i + 1));
  assert.deepEqual(validations, [[3, 3], [6, 2], [9, 1], [12, 0.5]]);
  assert.deepEqual(evals, [3, 6, 9, 12]);
  assert.deepEqual(epochEnds, [[1, undefined], [2, undefined], [3, 12]]);
  assert.deepEqual(r.history.rows.map((row) => [row.step, row.epoch]), [[3, 1], [6, 2], [9, 3], [12, 3]]);
  // Shuffled array data: each epoch is a permutation of the 4 batches, not always the same one.
  const epochs = [order.slice(0, 4), order.slice(4, 8), order.slice(8, 12)];
  for (const e of epochs) assert.deepEqual([...e].sort(), [0, 1, 2, 3]);
  assert.ok(epochs.some((e) => e.join() !== epochs[0].join()), `orders ${epochs.join(' | ')}`);

  const fixed: number[] = [];
  fit(options({ epochs: 2, shuffle: false, loss: (b, m) => { fixed.push(b.id); return lossOf(b, m); } }));
  assert.deepEqual(fixed, [0, 1, 2, 3, 0, 1, 2, 3]);
});

test('maxSteps and maxSeconds end training; the final row records where it stopped', () => {
  const r = fit(options({ epochs: undefined, maxSteps: 6 }));
  assert.deepEqual([r.reason, r.steps, r.epochs], ['steps', 6, 1]);
  assert.deepEqual(r.history.rows.map((row) => [row.step, row.epoch]), [[4, 1], [6, 2]]);
  assert.equal(r.metrics.step, 6);
  const t = fit(options({ epochs: undefined, maxSeconds: 0.05 }));
  assert.equal(t.reason, 'time');
  assert.ok(t.seconds >= 0.05 && t.steps > 0);
});

test('a NaN loss stops fit() with NonFiniteError naming the step; the last checkpoint and history stay', () => {
  withTempDir((dir) => {
    let step = 0;
    const path = join(dir, 'ckpt.safetensors');
    const err = (() => {
      try {
        fit(options({
          evalEvery: 2, historyPath: join(dir, 'history.csv'), checkpoint: { path, every: 2 },
          loss: (b, m) => {
            const r = lossOf(b, m);
            return ++step === 5 ? { ...r, loss: scale(r.loss, NaN) } : r;
          },
        }));
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    assert.ok(err instanceof NonFiniteError, `expected NonFiniteError, got ${String(err)}`);
    assert.equal(err.step, 5);
    assert.match(err.message, /^step 5: the loss is NaN; training stopped/);
    assert.equal(loadCheckpoint<{ step: number }>(path).meta.step, 4);
    assert.deepEqual(History.read(join(dir, 'history.csv')).rows.map((r) => r.step), [2, 4]);
  });
});

test('the library progress display: plain lines off a terminal, counting the given unit, with the total filled in later', () => {
  const lines: string[] = [];
  const stream = { isTTY: false, write: (s: string) => { lines.push(s); return true; } } as unknown as NodeJS.WriteStream;
  const budget: { maxSteps?: number; unit: string } = { unit: 'items' };
  const p = createProgress(budget, stream);
  budget.maxSteps = 40;
  p.update({ step: 10, loss: 0.5, itemsPerSecond: 123.4, elapsedSeconds: 2 });
  p.validation(10, 0.25);
  assert.deepEqual(lines, ['step 10 (25%) loss 0.500 val - 123 items/s 2s\n', 'step 10 validation loss 0.250\n']);
});
