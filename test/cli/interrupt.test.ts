import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  checkpointMeta, finished, makeTempDir, removeTempDir, runCli, startCli, tinyCorpus, waitForLine, writeText,
} from './cli-helpers.js';

// A run stopped half-way, by SIGKILL (nothing saved at that moment) or by Ctrl-C (SIGINT: it
// saves and exits 130), continues with --resume and ends with the same weights, byte for byte,
// as a run that was never stopped: the checkpoint holds the weights, the optimiser state, the
// random generator, the data position and the carried hidden state.

// ~25 ms a step, so that a run is still going when the test stops it after step 10 of 60.
const FLAGS = ['--hidden', '48', '--batch-size', '16', '--seq-len', '16', '--steps', '60', '--checkpoint-every', '2',
  '--eval-every', '5', '--sample-every', '0', '--no-plot'];

describe('rnnkit train: stop and resume', () => {
  let dir: string, textFile: string, referenceWeights: Buffer;
  before(async () => {
    dir = makeTempDir();
    textFile = writeText(join(dir, 'tiny.txt'), tinyCorpus());
    const r = await runCli(['train', '--data', textFile, '--out', join(dir, 'reference'), ...FLAGS]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^done: 60 steps/m);
    referenceWeights = readFileSync(join(dir, 'reference', 'model.safetensors'));
  });
  after(() => removeTempDir(dir));

  test('killed with SIGKILL after some checkpoints, --resume finishes with identical weights', async () => {
    const out = join(dir, 'killed');
    const child = startCli(['train', '--data', textFile, '--out', out, ...FLAGS]);
    const result = finished(child);
    await waitForLine(child, /^step 10 validation loss /);
    child.kill('SIGKILL');
    const killed = await result;
    assert.equal(killed.signal, 'SIGKILL');
    const stepAtKill = checkpointMeta(join(out, 'checkpoint.safetensors')).step;
    assert.ok(stepAtKill >= 8 && stepAtKill < 60, `the last checkpoint is at step ${stepAtKill}`);

    // Only --steps: the data file, batch and optimiser settings come from the checkpoint.
    const resumed = await runCli(['train', '--out', out, '--resume', '--steps', '60', '--no-plot']);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stderr, new RegExp(`^training on ${textFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} `, 'm'));
    assert.match(resumed.stdout, /^done: 60 steps, 15360 characters/m);
    assert.equal(checkpointMeta(join(out, 'checkpoint.safetensors')).step, 60);
    assert.ok(readFileSync(join(out, 'model.safetensors')).equals(referenceWeights), 'resumed weights differ from the uninterrupted run');
  });

  test('Ctrl-C (SIGINT) saves a checkpoint, exits 130 with how to resume; --resume completes identically', async () => {
    const out = join(dir, 'interrupted');
    const child = startCli(['train', '--data', textFile, '--out', out, ...FLAGS]);
    const result = finished(child);
    await waitForLine(child, /^step 10 validation loss /);
    child.kill('SIGINT');
    const r = await result;
    assert.equal(r.code, 130, `exit ${r.code} (signal ${r.signal}); stdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
    assert.match(r.stderr, /^interrupt: finishing this step and saving a checkpoint/m);
    const m = /^interrupted: (\d+) steps/m.exec(r.stdout);
    assert.ok(m, r.stdout);
    const stoppedAt = Number(m[1]);
    assert.ok(stoppedAt >= 10 && stoppedAt < 60, `stopped at step ${stoppedAt}`);
    assert.match(r.stdout, new RegExp(`^resume: npx rnnkit train --out ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} --resume$`, 'm'));
    assert.equal(checkpointMeta(join(out, 'checkpoint.safetensors')).step, stoppedAt, 'the checkpoint is of the step where it stopped');
    assert.ok(existsSync(join(out, 'model.safetensors')));

    const resumed = await runCli(['train', '--out', out, '--resume', '--steps', '60', '--no-plot']);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stdout, /^done: 60 steps/m);
    assert.ok(readFileSync(join(out, 'model.safetensors')).equals(referenceWeights), 'resumed weights differ from the uninterrupted run');
  });
});
