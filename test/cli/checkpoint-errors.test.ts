import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { assertCleanFailure, makeTempDir, removeTempDir, runCli, tinyCorpus, trainTiny, writeText } from './cli-helpers.js';

// `rnnkit sample` and `rnnkit eval` given something other than a good run: each case is one
// line on stderr that says what is wrong with which file, and exit code 1.

/** Rewrites the rnnkit metadata of a checkpoint (safetensors: u64 header length, JSON header, data). */
function editCheckpointMeta(from: string, to: string, edit: (meta: Record<string, any>) => void): void {
  const bytes = readFileSync(from);
  const n = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8'));
  const ckpt = JSON.parse(header.__metadata__['rnnkit.checkpoint']);
  edit(ckpt.meta);
  header.__metadata__['rnnkit.checkpoint'] = JSON.stringify(ckpt);
  // Data offsets count from the end of the header, so a longer header needs no other change;
  // pad with spaces to a multiple of 8 as writers do.
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  writeFileSync(to, Buffer.concat([length, Buffer.from(json, 'utf8'), bytes.subarray(8 + n)]));
}

describe('rnnkit sample / eval with a bad run or checkpoint', () => {
  let dir: string, run: string, textFile: string, good: Buffer;
  before(async () => {
    dir = makeTempDir();
    run = join(dir, 'run');
    textFile = writeText(join(dir, 'tiny.txt'), tinyCorpus());
    await trainTiny(textFile, run, ['--no-plot']);
    good = readFileSync(join(run, 'checkpoint.safetensors'));
  });
  after(() => removeTempDir(dir));

  /** A run folder holding `bytes` as its checkpoint. */
  const runWith = (name: string, bytes: Uint8Array): string => {
    const folder = join(dir, name);
    mkdirSync(folder);
    writeFileSync(join(folder, 'checkpoint.safetensors'), bytes);
    return folder;
  };

  test('the edit helper itself keeps a checkpoint loadable', async () => {
    const folder = join(dir, 'same');
    mkdirSync(folder);
    editCheckpointMeta(join(run, 'checkpoint.safetensors'), join(folder, 'checkpoint.safetensors'), () => {});
    const r = await runCli(['sample', folder, '--length', '5', '--temperature', '0']);
    const reference = await runCli(['sample', run, '--length', '5', '--temperature', '0']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, reference.stdout);
  });

  test('each damaged, foreign or missing checkpoint gives one line and exit 1, for sample and for eval', async () => {
    const lying = join(dir, 'lying');
    mkdirSync(lying);
    editCheckpointMeta(join(run, 'checkpoint.safetensors'), join(lying, 'checkpoint.safetensors'), (m) => { m.config.hiddenSize = 32; });
    const otherApp = join(dir, 'other-app');
    mkdirSync(otherApp);
    editCheckpointMeta(join(run, 'checkpoint.safetensors'), join(otherApp, 'checkpoint.safetensors'), (m) => { m.app = 'translator'; });
    const weightsOnly = join(dir, 'weights-only');
    mkdirSync(weightsOnly);
    copyFileSync(join(run, 'model.safetensors'), join(weightsOnly, 'checkpoint.safetensors'));
    const garbage = Uint8Array.from({ length: 3000 }, (_, i) => (i * 7919 + 13) & 255);

    const cases: [string, RegExp][] = [
      [runWith('truncated', good.subarray(0, Math.floor(good.length / 2))), /truncated.*checkpoint\.safetensors is damaged or not a checkpoint: .*file is truncated/],
      [runWith('cut-in-header', good.subarray(0, 100)), /cut-in-header.*checkpoint\.safetensors is damaged or not a checkpoint/],
      [runWith('five-bytes', good.subarray(0, 5)), /five-bytes.*checkpoint\.safetensors is damaged or not a checkpoint: .*too short/],
      [runWith('garbage', garbage), /garbage.*checkpoint\.safetensors is damaged or not a checkpoint/],
      [runWith('empty', new Uint8Array(0)), /empty.*checkpoint\.safetensors is damaged or not a checkpoint/],
      [weightsOnly, /weights-only.*checkpoint\.safetensors is a safetensors file but not an rnnkit checkpoint/],
      [join(run, 'model.safetensors'), /model\.safetensors is a safetensors file but not an rnnkit checkpoint/],
      [lying, /lying.*checkpoint\.safetensors does not fit its own model config/],
      [otherApp, /other-app.*checkpoint\.safetensors is not a character language model checkpoint \(app: translator\)/],
      [join(dir, 'no-such-run'), /no such run folder or checkpoint: .*no-such-run/],
      [textFile, /tiny\.txt is damaged or not a checkpoint/],
      [dir, /has no checkpoint\.safetensors; is it a run folder written by 'rnnkit train'\?/],
    ];
    const results = await Promise.all(cases.flatMap(([path]) => [
      runCli(['sample', path, '--length', '5']),
      runCli(['eval', path, '--data', textFile]),
    ]));
    cases.forEach(([path, message], i) => {
      for (const r of [results[2 * i], results[2 * i + 1]]) {
        try {
          assertCleanFailure(r, 1, message);
        } catch (e) {
          throw new Error(`${path}: ${(e as Error).message}`);
        }
      }
    });
  });

  test('a checkpoint file can be given instead of its run folder', async () => {
    const [byFile, byFolder] = await Promise.all([
      runCli(['sample', join(run, 'checkpoint.safetensors'), '--length', '30', '--seed', '5']),
      runCli(['sample', run, '--length', '30', '--seed', '5']),
    ]);
    assert.equal(byFile.code, 0, byFile.stderr);
    assert.equal(byFile.stdout, byFolder.stdout);
  });

  test('train --resume from a damaged checkpoint: exit 1 naming the file', async () => {
    const folder = runWith('resume-damaged', good.subarray(0, 1000));
    const r = await runCli(['train', '--out', folder, '--resume', '--steps', '30', '--data', textFile]);
    assertCleanFailure(r, 1, /resume-damaged.*checkpoint\.safetensors is damaged or not a checkpoint/);
  });
});
