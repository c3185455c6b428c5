import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Command } from 'commander';
import { parseBenchOptions, parseGemmOptions, parseQualityOptions } from '../../bench/options.js';
import { availableBackends } from '../../src/kernels/backend.js';

// The benchmark scripts' command lines: defaults, lists, and a clear error (never a silent
// default) for a misspelt option or a value outside its list.

const IDS = ['W1', 'W2', 'W3', 'W4', 'W5', 'W6'];

/** A program that throws instead of exiting, its error text collected. */
function quiet(errors: string[]): Command {
  return new Command('t').exitOverride().configureOutput({ writeErr: (s) => errors.push(s), writeOut: () => {} });
}

function benchError(args: string[]): string {
  const errors: string[] = [];
  assert.throws(() => parseBenchOptions(args, IDS, quiet(errors)));
  return errors.join('');
}

test('bench options: defaults', () => {
  assert.deepEqual(parseBenchOptions([], IDS, quiet([])), {
    workloads: IDS, backends: availableBackends(), threads: [1, 2], quick: false, minSeconds: 8, maxSteps: 10000,
  });
});

test('bench options: lists and values', () => {
  const o = parseBenchOptions(['--workloads', 'W5,W1', '--backends', 'js', '--threads', '1, 2,4', '--quick', '--min-seconds', '2.5', '--max-steps', '40'], IDS, quiet([]));
  assert.deepEqual(o, { workloads: ['W5', 'W1'], backends: ['js'], threads: [1, 2, 4], quick: true, minSeconds: 2.5, maxSteps: 40 });
});

test('bench options: mistakes are named', () => {
  assert.match(benchError(['--workloads', 'W1,W7']), /--workloads must be one of W1, W2, W3, W4, W5, W6, got 'W7'/);
  assert.match(benchError(['--backends', 'gpu']), /--backends must be one of .*, got 'gpu'/);
  assert.match(benchError(['--threads', '0']), /--threads takes a whole number >= 1, got '0'/);
  assert.match(benchError(['--threads', '1,two']), /got 'two'/);
  assert.match(benchError(['--thread', '2']), /unknown option '--thread'/);
  assert.match(benchError(['W1']), /too many arguments/);
  assert.match(benchError(['--max-steps', '5']), /--max-steps takes a whole number >= 10/);
});

test('quality options: defaults, values and mistakes', () => {
  assert.deepEqual(parseQualityOptions([], quiet([])), { minutes: 10, threads: 2, torch: false });
  assert.deepEqual(parseQualityOptions(['--minutes', '0.5', '--threads', '1', '--backend', 'js', '--torch'], quiet([])),
    { minutes: 0.5, threads: 1, backend: 'js', torch: true });
  const errors: string[] = [];
  assert.throws(() => parseQualityOptions(['--minutes', '-1'], quiet(errors)));
  assert.throws(() => parseQualityOptions(['--backend', 'cuda'], quiet(errors)));
  assert.match(errors.join(''), /--minutes takes a number from 0.01 to 1440, got '-1'/);
  assert.match(errors.join(''), /--backend must be one of .*, got 'cuda'/);
});

test('gemm options: defaults, values and mistakes', () => {
  assert.deepEqual(parseGemmOptions([], quiet([])),
    { backends: availableBackends(), threads: [1, 2], only: '', time: 0.5, f64: false, mixed: false });
  assert.deepEqual(parseGemmOptions(['--backends', 'js,wasm', '--threads', '2', '--only', 'W5', '--time', '0', '--isa', 'avx2', '--f64', '--mixed'], quiet([])),
    { backends: ['js', 'wasm'], threads: [2], only: 'W5', time: 0, isa: 'avx2', f64: true, mixed: true });
  const errors: string[] = [];
  assert.throws(() => parseGemmOptions(['--time', 'soon'], quiet(errors)));
  assert.throws(() => parseGemmOptions(['--backend', 'js'], quiet(errors)));
  assert.match(errors.join(''), /--time takes a number from 0 to 600, got 'soon'/);
  assert.match(errors.join(''), /unknown option '--backend'/);
});
