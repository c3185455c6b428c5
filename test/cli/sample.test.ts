import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { assertCleanFailure, makeTempDir, removeTempDir, runCli, tinyCorpus, trainTiny, writeText } from './cli-helpers.js';

// `rnnkit sample` on a tiny trained run: length, seeds, --json, priming, greedy decoding.

describe('rnnkit sample', () => {
  let dir: string, run: string;
  const vocabulary = new Set(tinyCorpus());
  before(async () => {
    dir = makeTempDir();
    run = join(dir, 'run');
    await trainTiny(writeText(join(dir, 'tiny.txt'), tinyCorpus()), run, ['--no-plot']);
  });
  after(() => removeTempDir(dir));

  /** The generated text of a streamed sample (the output ends with one added newline). */
  const streamed = (stdout: string): string => {
    assert.ok(stdout.endsWith('\n'), 'the streamed sample ends with a newline');
    return stdout.slice(0, -1);
  };

  test('streams --length characters from the vocabulary; the seed fixes the text', async () => {
    const [a, again, other, json] = await Promise.all([
      runCli(['sample', run, '--length', '137', '--seed', '3']),
      runCli(['sample', run, '--length', '137', '--seed', '3']),
      runCli(['sample', run, '--length', '137', '--seed', '4']),
      runCli(['sample', run, '--length', '137', '--seed', '3', '--json']),
    ]);
    for (const r of [a, again, other, json]) assert.equal(r.code, 0, r.stderr);
    const text = streamed(a.stdout);
    assert.equal([...text].length, 137);
    for (const ch of text) assert.ok(vocabulary.has(ch), `${JSON.stringify(ch)} is not in the training text`);
    assert.equal(again.stdout, a.stdout, 'same seed, same text');
    assert.notEqual(streamed(other.stdout), text, 'another seed, another text');
    assert.equal([...streamed(other.stdout)].length, 137);

    const parsed = JSON.parse(json.stdout);
    assert.equal(json.stdout.trimEnd().split('\n').length, 1, '--json prints one line');
    assert.deepEqual(parsed, { prime: '\n', text, temperature: 0.8, topK: 0, topP: 1, seed: 3 });
  });

  test('--prime is echoed and continued; --length 0 prints only the prime', async () => {
    const [primed, json, empty] = await Promise.all([
      runCli(['sample', run, '--prime', 'The cat', '--length', '40', '--seed', '1']),
      runCli(['sample', run, '--prime', 'The cat', '--length', '40', '--seed', '1', '--json']),
      runCli(['sample', run, '--prime', 'The cat', '--length', '0']),
    ]);
    for (const r of [primed, json, empty]) assert.equal(r.code, 0, r.stderr);
    const out = streamed(primed.stdout);
    assert.ok(out.startsWith('The cat'), out);
    assert.equal([...out].length, 7 + 40);
    assert.equal(JSON.parse(json.stdout).text, out.slice(7));
    assert.equal(empty.stdout, 'The cat\n');
  });

  test('--temperature 0 picks the most likely character: the same text for every seed', async () => {
    const [a, b, json] = await Promise.all([
      runCli(['sample', run, '--temperature', '0', '--length', '60', '--seed', '1']),
      runCli(['sample', run, '--temperature', '0', '--length', '60', '--seed', '99']),
      runCli(['sample', run, '--temperature', '0', '--length', '60', '--json']),
    ]);
    for (const r of [a, b, json]) assert.equal(r.code, 0, r.stderr);
    assert.equal([...streamed(a.stdout)].length, 60);
    assert.equal(b.stdout, a.stdout);
    assert.equal(JSON.parse(json.stdout).text, streamed(a.stdout));
  });

  test('--top-k 1 is greedy decoding too', async () => {
    const [greedy, topK] = await Promise.all([
      runCli(['sample', run, '--temperature', '0', '--length', '50']),
      runCli(['sample', run, '--top-k', '1', '--temperature', '1.5', '--length', '50', '--seed', '7']),
    ]);
    assert.equal(topK.code, 0, topK.stderr);
    assert.equal(topK.stdout, greedy.stdout);
  });

  test('a priming character outside the vocabulary: exit 1, one line naming it, nothing on stdout', async () => {
    const r = await runCli(['sample', run, '--prime', 'The Zebra', '--length', '10']);
    assertCleanFailure(r, 1, /the priming text has "Z" at position 5, which is not in the model's vocabulary of \d+ characters/);
  });

  test('bad option values are usage errors (exit 2)', async () => {
    const cases: [string[], RegExp][] = [
      [['--temperature', '-1'], /--temperature takes a number from 0 to 100, got '-1'/],
      [['--top-p', '0'], /--top-p takes a number from 1e-9 to 1, got '0'/],
      [['--length', 'ten'], /--length takes a whole number >= 0, got 'ten'/],
      [['--seed', '-2'], /--seed/],
    ];
    const results = await Promise.all(cases.map(([flags]) => runCli(['sample', run, ...flags])));
    results.forEach((r, i) => assertCleanFailure(r, 2, cases[i][1]));
    assertCleanFailure(await runCli(['sample']), 2, /missing required argument 'run'/);
  });
});
