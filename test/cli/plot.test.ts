import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { assertCleanFailure, makeTempDir, removeTempDir, runCli, tinyCorpus, trainTiny, writeText } from './cli-helpers.js';

// `rnnkit plot`: the learning curve of a run as SVG, from its learning-curve.csv.

describe('rnnkit plot', () => {
  let dir: string, run: string;
  before(async () => {
    dir = makeTempDir();
    run = join(dir, 'run');
    await trainTiny(writeText(join(dir, 'tiny.txt'), tinyCorpus()), run, ['--no-plot']);
  });
  after(() => removeTempDir(dir));

  /** The series an SVG draws as lines, by name, with the number of points of each. */
  const lineSeries = (svg: string): string[] =>
    [...svg.matchAll(/<path aria-label="[^"]*series: ([^"]+)"[^>]*aria-roledescription="line mark" d="([^"]*)"/g)]
      .map((m) => `${m[1]}: ${m[2].split(/[ML]/).filter(Boolean).length} points`).sort();

  test('writes <run>/learning-curve.svg, or --out, with a train and a validation line of 2 points', async () => {
    const defaultPath = join(run, 'learning-curve.svg');
    assert.ok(!existsSync(defaultPath));
    const custom = join(dir, 'curve.svg');
    const [a, b] = await Promise.all([runCli(['plot', run]), runCli(['plot', run, '--out', custom])]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
    assert.equal(a.stdout, `${defaultPath}\n`);
    assert.equal(b.stdout, `${custom}\n`);
    for (const file of [defaultPath, custom]) {
      const svg = readFileSync(file, 'utf8');
      assert.match(svg, /^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
      assert.deepEqual(lineSeries(svg), ['train loss: 2 points', 'validation loss: 2 points']);
      assert.match(svg, /cross-entropy \(nats\/char\)/);
    }
  });

  test('a run without a curve, a damaged curve, a missing run or an unwritable --out: exit 1', async () => {
    const noCurve = join(dir, 'no-curve');
    mkdirSync(noCurve);
    const damaged = join(dir, 'damaged');
    mkdirSync(damaged);
    writeFileSync(join(damaged, 'learning-curve.csv'), 'epoch;loss\n1;2\n');
    const [a, b, c, d] = await Promise.all([
      runCli(['plot', noCurve]),
      runCli(['plot', damaged]),
      runCli(['plot', join(dir, 'nowhere')]),
      runCli(['plot', run, '--out', join(run, 'learning-curve.csv', 'sub', 'x.svg')]),
    ]);
    assertCleanFailure(a, 1, /no-curve has no learning-curve\.csv yet/);
    assertCleanFailure(b, 1, /learning-curve\.csv: not an rnnkit learning curve \(unexpected header 'epoch;loss'\)/);
    assertCleanFailure(c, 1, /no such run folder: .*nowhere/);
    assertCleanFailure(d, 1, /cannot write .*x\.svg: .*learning-curve\.csv\/sub is not a folder/);
  });
});
