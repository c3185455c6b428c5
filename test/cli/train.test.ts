import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  TINY, assertCleanFailure, checkpointMeta, makeTempDir, removeTempDir, runCli, tinyCorpus, trainTiny, writeText,
} from './cli-helpers.js';

// `rnnkit train` end to end on a few KB of text: the files of a run, the progress it prints,
// and a one-line error with the right exit code for each kind of bad input.

describe('rnnkit train', () => {
  let dir: string, textFile: string;
  before(() => {
    dir = makeTempDir();
    textFile = writeText(join(dir, 'tiny.txt'), tinyCorpus());
  });
  after(() => removeTempDir(dir));

  test('writes checkpoint, weights, config, learning curve (CSV and SVG) and reports progress', async () => {
    const out = join(dir, 'run');
    const r = await trainTiny(textFile, out);

    for (const f of ['checkpoint.safetensors', 'model.safetensors', 'config.json', 'learning-curve.csv', 'learning-curve.svg']) {
      assert.ok(existsSync(join(out, f)), `${f} missing`);
    }
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    assert.equal(config.model.hiddenSize, 16);
    assert.equal(config.model.embeddingDim, 8);
    assert.equal(config.model.cell, 'lstm');
    assert.equal(config.training.batchSize, 4);
    assert.equal(config.training.seqLen, 8);
    const vocabChars = new Set(tinyCorpus());
    assert.equal(config.model.vocabSize, vocabChars.size);
    assert.equal(checkpointMeta(join(out, 'checkpoint.safetensors')).step, 20);

    // One curve row per validation (steps 10 and 20), 4 x 8 characters per step.
    const lines = readFileSync(join(out, 'learning-curve.csv'), 'utf8').trimEnd().split('\n');
    assert.equal(lines[0], 'step,tokens,train_loss,val_loss,lr');
    const rows = lines.slice(1).map((l) => l.split(',').map(Number));
    assert.deepEqual(rows.map((row) => [row[0], row[1], row[4]]), [[10, 320, 0.01], [20, 640, 0.01]]);
    for (const row of rows) for (const loss of [row[2], row[3]]) assert.ok(loss > 0.1 && loss < 10, `loss ${loss}`);
    // The model has learned something: validation loss falls, below the uniform guess ln(V).
    assert.ok(rows[1][3] < rows[0][3] && rows[1][3] < Math.log(vocabChars.size), `validation losses ${rows[0][3]}, ${rows[1][3]}`);

    // The final line states the full validation loss in nats and bits, and it is the curve's last point.
    const m = /^done: 20 steps, 640 characters in \d+ s; validation loss (\d+\.\d{4}) nats\/char \((\d+\.\d{4}) bits\/char\)$/m.exec(r.stdout);
    assert.ok(m, `no final line in:\n${r.stdout}`);
    const nats = Number(m[1]), bits = Number(m[2]);
    assert.ok(Math.abs(bits - nats / Math.LN2) < 2e-4, `${bits} bits vs ${nats} nats`);
    assert.ok(Math.abs(nats - rows[1][3]) < 1e-4, `final ${nats} vs curve ${rows[1][3]}`);
    assert.match(r.stdout, new RegExp(`^checkpoint: ${escape(join(out, 'checkpoint.safetensors'))}$`, 'm'));
    assert.match(r.stdout, new RegExp(`^learning curve: ${escape(join(out, 'learning-curve.svg'))}$`, 'm'));

    // Plain progress lines on a pipe (no progress bar escape codes), validation and samples.
    assert.doesNotMatch(r.stderr, /\x1b\[/);
    assert.match(r.stderr, new RegExp(`^training on ${escape(textFile)} \\(${tinyCorpus().length} characters\\) -> ${escape(out)}$`, 'm'));
    assert.match(r.stderr, /^step 1 \(5%\) loss \d+\.\d{3} val - \d+ tok\/s \d+s$/m);
    assert.match(r.stderr, new RegExp(`^step 10 validation loss ${rows[0][3].toFixed(3)}$`, 'm'));
    assert.match(r.stderr, new RegExp(`^step 20 validation loss ${rows[1][3].toFixed(3)}$`, 'm'));
    assert.match(r.stderr, /^--- sample at step 10 ---$/m);
    assert.match(r.stderr, /^--- sample at step 20 ---$/m);

    // The SVG draws two series: train and validation loss.
    const svg = readFileSync(join(out, 'learning-curve.svg'), 'utf8');
    assert.match(svg, /^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    assert.match(svg, /<\/svg>\s*$/);
    const series = [...svg.matchAll(/<path aria-label="[^"]*series: ([^"]+)"[^>]*aria-roledescription="line mark"/g)].map((x) => x[1]).sort();
    assert.deepEqual(series, ['train loss', 'validation loss']);
  });

  test('--help of every subcommand exits 0 and lists its options', async () => {
    const expected: Record<string, string[]> = {
      train: ['--data', '--out', '--cell', '--hidden', '--layers', '--seq-len', '--batch-size', '--lr', '--steps', '--minutes',
        '--eval-every', '--sample-every', '--checkpoint-every', '--backend', '--threads', '--resume', '--force', '--no-plot'],
      sample: ['<run>', '--prime', '--length', '--temperature', '--top-k', '--top-p', '--seed', '--json'],
      eval: ['<run>', '--data', '--skip-unknown', '--batch-size', '--json'],
      plot: ['<run>', '--out'],
    };
    const helps = await Promise.all(Object.keys(expected).map((cmd) => runCli([cmd, '--help'])));
    for (const [i, [cmd, options]] of Object.entries(expected).entries()) {
      const r = helps[i];
      assert.equal(r.code, 0, `${cmd} --help: ${r.stderr}`);
      assert.match(r.stdout, new RegExp(`^Usage: rnnkit ${cmd} `));
      for (const o of options) assert.ok(r.stdout.includes(o), `${cmd} --help does not mention ${o}`);
    }
    const top = await runCli(['--help']);
    assert.equal(top.code, 0);
    for (const cmd of Object.keys(expected)) assert.match(top.stdout, new RegExp(`^  ${cmd} `, 'm'));
  });

  test('bad option values are usage errors (exit 2) naming the option', async () => {
    const out = join(dir, 'never');
    const cases: [string[], RegExp][] = [
      [['--hidden', '0'], /--hidden takes a whole number >= 1, got '0'/],
      [['--hidden', '2.5'], /--hidden takes a whole number >= 1, got '2.5'/],
      [['--lr', 'abc'], /--lr takes a number from 0 to 10, got 'abc'/],
      [['--dropout', '1.5'], /--dropout takes a number from 0 to 0.99, got '1.5'/],
      [['--cell', 'foo'], /--cell must be one of lstm, gru, rnn, got 'foo'/],
      [['--steps', '-3'], /--steps/],
      [['--backend', 'js', '--threads', '4'], /--threads 4: the js backend runs on one thread/],
      [['--backend', 'quantum'], /unknown backend 'quantum': available are js/],
      [['--resume', '--force'], /--resume and --force contradict each other/],
      [['--resume'], /--resume: .*never has no checkpoint.safetensors to continue from/],
      [['--bogus'], /unknown option '--bogus'/],
    ];
    const results = await Promise.all(cases.map(([flags]) => runCli(['train', '--data', textFile, '--out', out, ...TINY, '--steps', '2', ...flags])));
    results.forEach((r, i) => assertCleanFailure(r, 2, cases[i][1]));
    assert.ok(!existsSync(out), 'a usage error must not create the run folder');
  });

  test('an existing checkpoint in --out needs --resume or --force', async () => {
    const out = join(dir, 'existing');
    await trainTiny(textFile, out, ['--no-plot']);
    const before = readFileSync(join(out, 'checkpoint.safetensors'));
    const r = await runCli(['train', '--data', textFile, '--out', out, ...TINY, '--steps', '2']);
    assertCleanFailure(r, 2, /already holds a checkpoint; add --resume to continue it, --force to overwrite it/);
    assert.deepEqual(readFileSync(join(out, 'checkpoint.safetensors')), before, 'the checkpoint must be left alone');

    const forced = await runCli(['train', '--data', textFile, '--out', out, ...TINY, '--steps', '3', '--no-plot', '--force']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(forced.stdout, /^done: 3 steps/m);
    assert.equal(checkpointMeta(join(out, 'checkpoint.safetensors')).step, 3);

    const reshaped = await runCli(['train', '--out', out, '--resume', '--hidden', '8', '--steps', '4']);
    assertCleanFailure(reshaped, 2, /--resume continues the checkpoint's own model; drop --hidden/);
    assert.equal(checkpointMeta(join(out, 'checkpoint.safetensors')).step, 3, 'a refused resume must not train');
  });

  test('bad training data: one-line error, exit 1', async () => {
    const bad = join(dir, 'bad');
    mkdirSync(bad);
    const noTxt = join(bad, 'no-txt');
    mkdirSync(noTxt);
    writeFileSync(join(noTxt, 'notes.md'), 'not a .txt file\n');
    const cases: [string, RegExp][] = [
      [join(bad, 'missing.txt'), /no such file or folder: .*missing\.txt/],
      [writeText(join(bad, 'empty.txt'), ''), /empty\.txt is empty/],
      [writeText(join(bad, 'binary.txt'), new Uint8Array([104, 105, 0, 1, 2, 255, 10])), /binary\.txt looks binary: NUL byte at offset 2/],
      [writeText(join(bad, 'latin1.txt'), new Uint8Array([99, 97, 102, 0xe9, 10])), /latin1\.txt .*not UTF-8: invalid UTF-8 byte 0xE9 at offset 3/],
      [noTxt, /the folder .*no-txt has no \.txt files/],
      // 4 x 8 characters per window need 33 training characters.
      [writeText(join(bad, 'short.txt'), 'abcdefghij\n'), /too short for one window: batchSize 4 x seqLen 8 needs at least 33/],
    ];
    const results = await Promise.all(cases.map(([data]) => runCli(['train', '--data', data, '--out', join(bad, 'out'), ...TINY, '--steps', '2'])));
    results.forEach((r, i) => assertCleanFailure(r, 1, cases[i][1]));
  });

  test('divergence stops with exit 1, naming the step and the last good checkpoint', async () => {
    const diverging = ['--cell', 'rnn', '--activation', 'relu', '--optimizer', 'sgd', '--lr', '10', '--clip', '0', '--sample-every', '0', '--no-plot'];
    const out = join(dir, 'diverged');
    const r = await runCli(['train', '--data', textFile, '--out', out, ...TINY, '--steps', '50', '--checkpoint-every', '2', ...diverging]);
    const line = assertCleanFailure(r, 1, /step (\d+): (the loss is NaN|the gradient of \S+ holds (NaN|-?Infinity)).* Try a lower learning rate or gradient clipping \(--clip\)/);
    const failedAt = Number(/step (\d+):/.exec(line)![1]);
    assert.ok(failedAt > 1 && failedAt < 50, `diverged at step ${failedAt}`);
    assert.ok(line.endsWith(`(last good checkpoint: ${join(out, 'checkpoint.safetensors')})`), line);
    // The checkpoint kept is the last one before the bad step, so --resume can start from it with other settings.
    assert.equal(checkpointMeta(join(out, 'checkpoint.safetensors')).step, 2 * Math.floor((failedAt - 1) / 2));

    const early = await runCli(['train', '--data', textFile, '--out', join(dir, 'diverged-early'), ...TINY, '--steps', '50', '--checkpoint-every', '50', ...diverging]);
    assertCleanFailure(early, 1, /the loss is NaN|holds/);
    assert.match(early.stderr, /\(it diverged before the first checkpoint\)$/m);
  });

  test('an output folder that cannot be created: exit 1 naming it', async () => {
    const out = join(textFile, 'sub');
    const r = await runCli(['train', '--data', textFile, '--out', out, ...TINY, '--steps', '2']);
    assertCleanFailure(r, 1, new RegExp(`cannot write to the output folder ${escape(out)}`));
  });

  test('a folder of .txt files trains on all of them', async () => {
    const corpus = join(dir, 'corpus');
    mkdirSync(corpus);
    const text = tinyCorpus();
    const cut = text.indexOf('\n', 1000) + 1;
    writeText(join(corpus, 'b.txt'), text.slice(cut));
    writeText(join(corpus, 'a.txt'), text.slice(0, cut));
    writeText(join(corpus, 'ignored.md'), 'ZZZ');
    const r = await runCli(['train', '--data', corpus, '--out', join(dir, 'from-folder'), ...TINY, '--steps', '2', '--no-plot']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`^training on ${escape(corpus)} \\(${text.length} characters\\)`, 'm'));
    assert.ok(!existsSync(join(dir, 'from-folder', 'learning-curve.svg')), '--no-plot still drew the curve');
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
