import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { availableBackends } from '../../src/kernels/backend.js';

// The benchmark scripts run end to end on their smallest settings: one JSON line per result in
// the BENCHMARKS.md format, and a clean usage error (exit 1, no stack trace) for a bad option.

const benchDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench');

function run(script: string, args: string[]) {
  const r = spawnSync(process.execPath, [join(benchDir, script), ...args], { encoding: 'utf8', timeout: 120_000 });
  const lines = r.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
  return { status: r.status, lines, stderr: r.stderr };
}

test('bench:gemm: one line per backend and thread count', () => {
  const backends = availableBackends();
  const r = run('gemm.js', ['--only', 'W4 sampling', '--time', '0', '--threads', '1', '--backends', backends.join(',')]);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.lines.map((l) => l.impl.split('-').slice(0, 2).join('-')), backends.map((b) => `rnnkit-${b}`));
  for (const l of r.lines) {
    assert.equal(l.workload, 'gemm W4 sampling step, batch 1 (NT) 1x1024x256');
    assert.equal(l.unit, 'GFLOP/s');
    assert.ok(l.value > 0 && Number.isFinite(l.value), JSON.stringify(l));
  }
  const bad = run('gemm.js', ['--only', 'no such shape']);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /^error: --only 'no such shape' matches no shape/);
  assert.doesNotMatch(bad.stderr, /at file:/);
});

test('bench: --quick runs a workload and prints its JSON line', () => {
  const r = run('run.js', ['--quick', '--workloads', 'W3', '--backends', 'js', '--threads', '1']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.lines.length, 1);
  const [l] = r.lines;
  assert.deepEqual([l.impl, l.workload, l.threads, l.unit], ['rnnkit-js', 'W3', 1, 'tokens/s']);
  assert.ok(l.value > 0 && Number.isFinite(l.value), JSON.stringify(l));
  const bad = run('run.js', ['--workloads', 'W9']);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /--workloads must be one of .*, got 'W9'/);
  assert.deepEqual(bad.lines, []);
});
