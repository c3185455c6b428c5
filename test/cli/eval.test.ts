import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { assertCleanFailure, makeTempDir, removeTempDir, runCli, tinyCorpus, trainTiny, writeText } from './cli-helpers.js';

// `rnnkit eval` on a tiny trained run. The strongest check: scoring the run's own validation
// text (the last 10% of the training file) gives the validation loss that training recorded.

describe('rnnkit eval', () => {
  let dir: string, run: string, validationFile: string, recordedValLoss: number;
  before(async () => {
    dir = makeTempDir();
    run = join(dir, 'run');
    const text = tinyCorpus();
    await trainTiny(writeText(join(dir, 'tiny.txt'), text), run, ['--no-plot']);
    // The training split keeps the first floor(0.9 n) characters (ASCII text: characters = code units).
    validationFile = writeText(join(dir, 'validation.txt'), text.slice(Math.floor(text.length * 0.9)));
    const curve = readFileSync(join(run, 'learning-curve.csv'), 'utf8').trimEnd().split('\n');
    recordedValLoss = Number(curve[curve.length - 1].split(',')[3]);
  });
  after(() => removeTempDir(dir));

  test('prints loss, bits and perplexity; --json agrees and reproduces the validation loss of training', async () => {
    const [plain, json] = await Promise.all([
      runCli(['eval', run, '--data', validationFile, '--batch-size', '4']),
      runCli(['eval', run, '--data', validationFile, '--batch-size', '4', '--json']),
    ]);
    assert.equal(plain.code, 0, plain.stderr);
    assert.equal(json.code, 0, json.stderr);
    const r = JSON.parse(json.stdout);
    assert.equal(r.data, validationFile);
    assert.equal(r.skippedCharacters, 0);
    assert.ok(Math.abs(r.loss - recordedValLoss) < 6e-6, `eval ${r.loss} vs training's ${recordedValLoss}`);
    assert.ok(Math.abs(r.bitsPerChar - r.loss / Math.LN2) < 1e-12);
    assert.ok(Math.abs(r.perplexity - Math.exp(r.loss)) < 1e-9 * r.perplexity);
    // 274 characters as 4 streams: floor(273 / 4) = 68 predictions each.
    assert.equal(r.tokens, 4 * Math.floor((readFileSync(validationFile, 'utf8').length - 1) / 4));

    assert.equal(plain.stdout,
      `${validationFile}: ${r.tokens} characters scored\n` +
      `loss ${r.loss.toFixed(4)} nats/char, ${r.bitsPerChar.toFixed(4)} bits/char, perplexity ${r.perplexity.toFixed(3)}\n`);
  });

  test('unknown characters stop the evaluation with a hint; --skip-unknown drops them and counts them', async () => {
    const clean = readFileSync(validationFile, 'utf8');
    // Four characters the training text never had, one outside the Basic Multilingual Plane.
    const dirty = clean.slice(0, 50) + 'Z' + clean.slice(50, 90) + 'é€' + clean.slice(90) + '🙂';
    const dirtyFile = writeText(join(dir, 'dirty.txt'), dirty);

    const refused = await runCli(['eval', run, '--data', dirtyFile]);
    const line = assertCleanFailure(refused, 1, /unknown token "Z" \(U\+005A\) at line \d+, column \d+ of .*dirty\.txt/);
    assert.match(line, /add --skip-unknown to leave them out/);

    const [skipped, skippedJson, reference] = await Promise.all([
      runCli(['eval', run, '--data', dirtyFile, '--skip-unknown']),
      runCli(['eval', run, '--data', dirtyFile, '--skip-unknown', '--json']),
      runCli(['eval', run, '--data', validationFile, '--json']),
    ]);
    for (const r of [skipped, skippedJson, reference]) assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(skippedJson.stdout), ref = JSON.parse(reference.stdout);
    assert.equal(s.skippedCharacters, 4);
    // Without the unknown characters it is the clean text, so the same figures.
    assert.equal(s.loss, ref.loss);
    assert.equal(s.tokens, ref.tokens);
    assert.match(skipped.stdout, new RegExp(`: ${s.tokens} characters scored \\(4 unknown characters skipped\\)\n`));
  });

  test('bad --data: one-line error, exit 1', async () => {
    const cases: [string, RegExp][] = [
      [join(dir, 'missing.txt'), /no such file or folder: .*missing\.txt/],
      [writeText(join(dir, 'empty.txt'), ''), /empty\.txt is empty/],
      [writeText(join(dir, 'binary.txt'), new Uint8Array([84, 104, 101, 0, 0, 7])), /binary\.txt looks binary: NUL byte at offset 3/],
      [writeText(join(dir, 'one.txt'), 'T'), /evaluation text has 1 characters; at least 2 are needed/],
    ];
    const results = await Promise.all(cases.map(([data]) => runCli(['eval', run, '--data', data])));
    results.forEach((r, i) => assertCleanFailure(r, 1, cases[i][1]));
  });

  test('usage errors: exit 2', async () => {
    const [noData, badBatch] = await Promise.all([
      runCli(['eval', run]),
      runCli(['eval', run, '--data', validationFile, '--batch-size', '0']),
    ]);
    assertCleanFailure(noData, 2, /required option '--data <path>' not specified/);
    assertCleanFailure(badBatch, 2, /--batch-size takes a whole number >= 1, got '0'/);
  });
});
