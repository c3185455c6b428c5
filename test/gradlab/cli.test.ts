import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { assertCleanFailure, makeTempDir, removeTempDir, runCli } from '../cli/cli-helpers.js';

// `rnnkit gradlab` end to end on tiny settings (each run well under a few seconds).

describe('rnnkit gradlab', () => {
  let dir: string;
  before(() => { dir = makeTempDir(); });
  after(() => removeTempDir(dir));

  test('trains the chosen cells with and without clipping; prints the table and summary; writes figures and results.json', async () => {
    const out = join(dir, 'lab');
    const r = await runCli(['gradlab', '--distance', '2,4', '--steps', '5', '--cells', 'tanh,lstm', '--hidden', '4', '--batch-size', '4',
      '--eval-sequences', '8', '--workers', '2', '--backend', 'js', '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    const rows = r.stdout.split('\n').filter((l) => /^(tanh|lstm)\s+(none|1)\s+\d/.test(l));
    assert.equal(rows.length, 8, r.stdout);
    assert.match(r.stdout, /^cell\s+clip\s+distance\s+T\s+steps\s+held-out acc\s+held-out loss\s+\|dL\/da<1>\|\/\|dL\/da<T>\|/);
    assert.match(r.stdout, /LSTM cell path: mean max forget gate 0\.9\d+ per step/);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    assert.equal(results.length, 8);
    assert.deepEqual(results.map((x: { cell: string; clip: number | null; distance: number }) => `${x.cell}/${x.clip}/${x.distance}`),
      ['tanh/null/2', 'tanh/1/2', 'lstm/null/2', 'lstm/1/2', 'tanh/null/4', 'tanh/1/4', 'lstm/null/4', 'lstm/1/4']);
    assert.equal(results[4].stateGradNorms.length, 6, 'one norm per time step (T = distance + 2)');
    for (const f of ['gradient-norm-per-step.svg', 'accuracy-vs-distance.svg', 'jacobian-norm-per-step.svg', 'training-gradient-norm.svg']) {
      assert.match(readFileSync(join(out, f), 'utf8'), /^<svg /, f);
    }
  });

  test('--explode: the ReLU RNN goes non-finite without clipping (reported, exit 0) and keeps training with it', async () => {
    const out = join(dir, 'explode');
    const r = await runCli(['gradlab', '--backend', 'js', '--explode', '--cells', 'relu', '--distance', '50', '--steps', '4', '--eval-sequences', '32',
      '--workers', '1', '--no-plot', '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^relu\s+none\s+50\s+52\s+2\s+.*yes \(NaN\/Inf at step 2\)$/m);
    assert.match(r.stdout, /^relu\s+1\s+50\s+52\s+4\s+.*\s+no$/m);
    assert.match(r.stdout, /training stopped: step 2: the loss is NaN/);
    assert.ok(!existsSync(join(out, 'gradient-norm-per-step.svg')), '--no-plot');
  });

  test('usage mistakes exit 2 with one clear line', async () => {
    const [a, b, c] = await Promise.all([
      runCli(['gradlab', '--cells', 'tanh,elman', '--out', join(dir, 'x')]),
      runCli(['gradlab', '--task', 'adding', '--distance', '1', '--out', join(dir, 'x')]),
      runCli(['gradlab', '--task', 'parity']),
    ]);
    assertCleanFailure(a, 2, /--cells: unknown cell 'elman', choose from tanh, sigmoid, relu, irnn, leaky_relu, lstm, gru/);
    assertCleanFailure(b, 2, /--distance: adding: distance \(the sequence length T\) must be a whole number >= 2, got 1/);
    assertCleanFailure(c, 2, /--task must be one of agreement, adding, copy, got 'parity'/);
  });
});
