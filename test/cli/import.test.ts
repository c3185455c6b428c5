import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { assertCleanFailure, makeTempDir, removeTempDir, runCli, tinyCorpus, trainTiny, writeText } from './cli-helpers.js';

// `rnnkit import`: what `rnnkit export` wrote for PyTorch comes back as a run folder that
// samples exactly like the original.

describe('rnnkit import', () => {
  let dir: string, run: string, torchDir: string;
  before(async () => {
    dir = makeTempDir();
    run = join(dir, 'run');
    torchDir = join(dir, 'torch');
    await trainTiny(writeText(join(dir, 'tiny.txt'), tinyCorpus()), run, ['--no-plot']);
    const r = await runCli(['export', run, '--out', join(torchDir, 'model.safetensors')]);
    assert.equal(r.code, 0, r.stderr);
  });
  after(() => removeTempDir(dir));

  test('export -> import gives a run that samples the same text', async () => {
    const back = join(dir, 'back');
    const r = await runCli(['import', join(torchDir, 'model.safetensors'), '--out', back]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^imported .* try: npx rnnkit sample /);
    const [a, b] = await Promise.all([run, back].map((d) => runCli(['sample', d, '--length', '120', '--seed', '7'])));
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.stdout, a.stdout);
    assert.equal(b.stdout.length, 121);

    const again = await runCli(['import', join(torchDir, 'model.safetensors'), '--out', back]);
    assertCleanFailure(again, 2, /already holds a checkpoint; add --force/);
    const resumed = await runCli(['train', '--out', back, '--resume', '--steps', '5', '--data', join(dir, 'tiny.txt')]);
    assertCleanFailure(resumed, 1, /holds imported weights without a training position/);
  });

  test('a config that does not fit the weights, or is not a character model, is refused', async () => {
    const config = JSON.parse(readFileSync(join(torchDir, 'config.json'), 'utf8'));
    const wrongSize = join(dir, 'wrong-size.json');
    writeFileSync(wrongSize, JSON.stringify({ ...config, rnnkit: { ...config.rnnkit, config: { ...config.rnnkit.config, hiddenSize: 17 } } }));
    assertCleanFailure(await runCli(['import', join(torchDir, 'model.safetensors'), '--config', wrongSize, '--out', join(dir, 'x')]), 1,
      /does not fit .*wrong-size\.json: loadStateDict \(CharLM\): .*model expects/);
    const foreign = join(dir, 'foreign.json');
    writeFileSync(foreign, JSON.stringify({ rnn: config.rnn }));
    assertCleanFailure(await runCli(['import', join(torchDir, 'model.safetensors'), '--config', foreign, '--out', join(dir, 'y')]), 1,
      /does not describe a character model/);
    assertCleanFailure(await runCli(['import', join(dir, 'missing.safetensors'), '--out', join(dir, 'z')]), 1, /no such weights file/);
  });
});
