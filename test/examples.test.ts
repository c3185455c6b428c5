import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from './helpers/fixtures.js';

// The README's code blocks are the files in examples/, so they compile with the project; the
// quick one also runs.

test('README layer example runs and prints the PyTorch shapes', () => {
  const out = execFileSync(process.execPath, [join(repoRoot, 'dist', 'examples', 'layers.js')], { encoding: 'utf8' });
  assert.match(out, /^output 4,10,64, hN 4,4,32, loss \d+\.\d{4}$/m);
});

test('README code blocks are the examples/ files, word for word', () => {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  for (const name of ['charlm.ts', 'layers.ts']) {
    const body = readFileSync(join(repoRoot, 'examples', name), 'utf8')
      .split('\n').filter((l) => !l.startsWith('//') && !l.startsWith('console.log(`output')).join('\n')
      .replace(/'\.\.\/src\/index\.js'/g, "'rnnkit'").trim();
    assert.ok(readme.includes(body), `README.md does not contain examples/${name} as written`);
  }
});
