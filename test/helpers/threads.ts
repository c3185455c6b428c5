import assert from 'node:assert/strict';
import type { Kernels } from '../../src/kernels/kernels.js';

// For the tests that compare a threaded backend on 1 and 2 threads.

/** Runs f with the backend set to n threads, then restores its thread count. */
export function onThreads<T>(k: Kernels, n: number, f: () => T): T {
  const before = k.threads!();
  k.setThreads!(n);
  try {
    return f();
  } finally {
    k.setThreads!(before);
  }
}

/** Bit-for-bit equality (NaN equals NaN, -0 differs from 0): what 1 vs 2 threads must give. */
export function assertSame(actual: Float32Array, expected: Float32Array, what: string): void {
  assert.equal(actual.length, expected.length, what);
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(actual[i], expected[i])) assert.fail(`${what}: element ${i} is ${actual[i]} on 2 threads, ${expected[i]} on 1`);
  }
}
