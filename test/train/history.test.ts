import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { History, historyPaths } from '../../src/train/history.js';
import { withTempDir } from './fit-helpers.js';

// A history's columns grow as metrics appear; CSV and JSON hold the same rows, exactly.

test('columns: step, epoch, then metrics in order of first appearance; missing cells stay empty', () => {
  const h = new History();
  h.add({ step: 10, epoch: 1, loss: 0.5, lr: 0.01 });
  h.add({ step: 20, epoch: 2, loss: 0.25, lr: 0.01, val_loss: 0.3, val_accuracy: 0.875 });
  h.add({ step: 25, loss: NaN, lr: 1e-7, val_loss: Infinity, note: undefined });
  assert.deepEqual(h.columns, ['step', 'epoch', 'loss', 'lr', 'val_loss', 'val_accuracy']);
  assert.equal(h.toCSV(), [
    'step,epoch,loss,lr,val_loss,val_accuracy',
    '10,1,0.5,0.01,,',
    '20,2,0.25,0.01,0.3,0.875',
    '25,,NaN,1e-7,Infinity,',
    '',
  ].join('\n'));
  assert.deepEqual(h.toJSON(), {
    columns: ['step', 'epoch', 'loss', 'lr', 'val_loss', 'val_accuracy'],
    rows: [
      { step: 10, epoch: 1, loss: 0.5, lr: 0.01 },
      { step: 20, epoch: 2, loss: 0.25, lr: 0.01, val_loss: 0.3, val_accuracy: 0.875 },
      { step: 25, loss: null, lr: 1e-7, val_loss: null },
    ],
  });
  assert.deepEqual(h.column('val_loss'), [undefined, 0.3, Infinity]);
  assert.equal(h.last?.step, 25);
  // Without epochs there is no epoch column.
  assert.equal(new History([{ step: 1, tokens: 32, train_loss: 2 }]).toCSV(), 'step,tokens,train_loss\n1,32,2\n');
});

test('write() puts CSV and JSON side by side; reading either gives the same values back, to the last bit', () => {
  withTempDir((dir) => {
    const h = new History();
    for (let s = 1; s <= 5; s++) h.add({ step: s * 7, epoch: s, loss: Math.fround(1 / (s + 0.3)), val_perplexity: Math.exp(1 / s), lr: 0.1 * 0.9 ** s });
    const paths = h.write(join(dir, 'run.csv'));
    assert.deepEqual(paths, { csv: join(dir, 'run.csv'), json: join(dir, 'run.json') });
    assert.deepEqual(History.read(paths.csv).rows, h.rows);
    assert.deepEqual(History.read(paths.json).rows, h.rows);
    assert.equal(readFileSync(paths.csv, 'utf8').split('\n')[0], 'step,epoch,loss,val_perplexity,lr');
    assert.deepEqual(JSON.parse(readFileSync(paths.json, 'utf8')).columns, ['step', 'epoch', 'loss', 'val_perplexity', 'lr']);
    // NaN survives both files (JSON writes null).
    const n = new History([{ step: 1, loss: NaN }]);
    n.write(join(dir, 'nan'));
    assert.ok(Number.isNaN(History.read(join(dir, 'nan.csv')).rows[0].loss));
    assert.ok(Number.isNaN(History.read(join(dir, 'nan.json')).rows[0].loss));
  });
  assert.deepEqual(historyPaths('a/b.json'), { csv: 'a/b.csv', json: 'a/b.json' });
  assert.deepEqual(historyPaths('a/b'), { csv: 'a/b.csv', json: 'a/b.json' });
});

test('damaged files and bad names are errors that say where', () => {
  assert.throws(() => History.fromCSV('epoch;loss\n1;2\n', 'x.csv'), /^Error: x\.csv: not an rnnkit learning curve \(unexpected header 'epoch;loss'\)/);
  assert.throws(() => History.fromCSV('step,loss\n1,2\n2\n', 'x.csv'), /x\.csv: line 3 has 1 values, the header has 2: '2'/);
  assert.throws(() => History.fromCSV('step,loss\n1,abc\n', 'x.csv'), /x\.csv: line 2, column 'loss': 'abc' is not a number/);
  assert.throws(() => History.fromCSV('step,loss\n,1\n', 'x.csv'), /x\.csv: line 2 has no step/);
  assert.throws(() => History.fromJSON({ rows: [{ step: 1, loss: 'low' }] }, 'x.json'), /x\.json: row 0, 'loss' is "low", expected a number or null/);
  assert.throws(() => History.fromJSON([], 'x.json'), /x\.json: not an rnnkit history/);
  assert.throws(() => new History().add({ step: 1.5 }), /History\.add: step must be an integer >= 0, got 1\.5/);
  assert.throws(() => new History().add({ step: 1, 'val loss': 1 }), /metric name 'val loss' must be a word/);
  withTempDir((dir) => {
    writeFileSync(join(dir, 'bad.json'), '{"rows": [');
    assert.throws(() => History.read(join(dir, 'bad.json')), /bad\.json: not valid JSON/);
    assert.throws(() => History.read(join(dir, 'missing.csv')), /cannot read the history .*missing\.csv/);
  });
});
