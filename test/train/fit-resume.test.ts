import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadCheckpoint } from '../../src/train/checkpoint.js';
import { batchesOf } from '../../src/train/batch-source.js';
import { type FitOptions, fit } from '../../src/train/fit.js';
import { Random } from '../../src/util/random.js';
import { type ClassBatch, SequenceClassifier, classifierLoss, collate, majorityExamples, parameterValues, withTempDir } from './fit-helpers.js';

// Stopping mid-epoch and resuming gives exactly the run that never stopped: same weights, same
// optimiser state, same history, bit for bit. The resumed run re-creates epoch 2's bucketed order
// from the generator state saved at the epoch's start and skips the batches already trained on;
// dropout draws from a second generator that the checkpoint also carries.

const train = majorityExamples(100, 11), valid = majorityExamples(40, 12);
const STEPS_PER_EPOCH = 7; // 100 items in batches of 16: six full, one of 4

function setup(dir: string, run: string, overrides: Partial<FitOptions<ClassBatch, SequenceClassifier>> = {}) {
  // Initialisation from a seed the resumed run does not share: the checkpoint must bring the weights.
  const dropoutRng = new Random(99);
  const model = new SequenceClassifier('lstm', new Random(run === 'resumed' ? 1234 : 5), { hidden: 8, dropout: 0.2, dropoutRng });
  const steps: number[] = [];
  const options: FitOptions<ClassBatch, SequenceClassifier> = {
    model, optimizer: 'adam', lr: 1e-2, epochs: 3, seed: 21, clipNorm: 1,
    trainData: batchesOf(train, { batchSize: 16, bucketBy: (e) => e.ids.length, chunkBatches: 2, collate }),
    loss: classifierLoss,
    validation: { data: batchesOf(valid, { batchSize: 20, shuffle: false, collate }) },
    evalEvery: 5,
    historyPath: join(dir, run, 'history.csv'),
    checkpoint: { path: join(dir, run === 'uninterrupted' ? 'a.safetensors' : 'b.safetensors'), every: 3, random: { dropout: dropoutRng } },
    callbacks: { onStep: (info) => steps.push(info.step) },
    ...overrides,
  };
  return { model, options, steps };
}

test('resume after stopping in the middle of epoch 2 gives bit-identical parameters, optimiser state and history', () => {
  withTempDir((dir) => {
    for (const run of ['uninterrupted', 'stopped', 'resumed']) mkdirSync(join(dir, run));
    const a = setup(dir, 'uninterrupted');
    const ra = fit(a.options);
    assert.equal(ra.steps, 3 * STEPS_PER_EPOCH);
    assert.equal(ra.reason, 'epochs');

    // maxSteps 9 ends at batch 2 of epoch 2, between evaluations (every 5 steps): the checkpoint
    // carries the training loss summed since step 5.
    const b = setup(dir, 'stopped', { maxSteps: 9 });
    const rb = fit(b.options);
    assert.equal(rb.steps, 9);
    assert.equal(rb.reason, 'steps');
    assert.equal(rb.epochs, 1);
    const meta = loadCheckpoint<{ step: number; epoch: number; position: number }>(join(dir, 'b.safetensors')).meta;
    assert.deepEqual([meta.step, meta.epoch, meta.position], [9, 1, 2]);
    // The stopped run records where it stopped: a final row at step 9.
    assert.deepEqual(rb.history.rows.map((r) => [r.step, r.epoch]), [[5, 1], [9, 2]]);

    const c = setup(dir, 'resumed', { resume: true });
    c.options.historyPath = join(dir, 'resumed', 'history.csv');
    c.options.checkpoint!.path = join(dir, 'b.safetensors');
    const rc = fit(c.options);
    assert.equal(rc.steps, 3 * STEPS_PER_EPOCH);
    assert.equal(rc.reason, 'epochs');
    assert.deepEqual(c.steps, Array.from({ length: 12 }, (_, i) => 10 + i), 'the resumed run does steps 10..21');

    assert.deepEqual(parameterValues(c.model), parameterValues(a.model));
    assert.deepEqual(rc.optimizer.stateDict(), ra.optimizer.stateDict());
    assert.deepEqual(rc.history.rows, ra.history.rows);
    assert.deepEqual(rc.history.rows.map((r) => [r.step, r.epoch]), [[5, 1], [10, 2], [15, 3], [20, 3], [21, 3]]);
    assert.equal(readFileSync(join(dir, 'resumed', 'history.csv'), 'utf8'), readFileSync(join(dir, 'uninterrupted', 'history.csv'), 'utf8'));
    assert.equal(readFileSync(join(dir, 'resumed', 'history.json'), 'utf8'), readFileSync(join(dir, 'uninterrupted', 'history.json'), 'utf8'));

    // Resuming a finished run trains no further.
    const d = setup(dir, 'resumed', { resume: true });
    d.options.checkpoint!.path = join(dir, 'a.safetensors');
    const rd = fit(d.options);
    assert.equal(rd.reason, 'finished-before');
    assert.equal(rd.steps, 21);
    assert.deepEqual(d.steps, []);
    assert.deepEqual(parameterValues(d.model), parameterValues(a.model));
  });
});

test('a different batch order on resume (data that does not follow the generator) is an error, not silent drift', () => {
  withTempDir((dir) => {
    mkdirSync(join(dir, 'stopped'));
    const b = setup(dir, 'stopped', { maxSteps: 10, evalEvery: undefined });
    fit(b.options);
    const c = setup(dir, 'resumed', { resume: true, trainData: batchesOf(train.slice(0, 40), { batchSize: 16, collate }) });
    c.options.checkpoint!.path = join(dir, 'b.safetensors');
    c.options.historyPath = undefined;
    assert.throws(() => fit(c.options), /fit: resuming epoch 2 at batch 4, but the training data now ends before that batch/);
    assert.ok(existsSync(join(dir, 'b.safetensors')));
  });
});
