import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runtime } from '../../src/kernels/wasm/runtime.js';

// WasmMemory.addTo (the host adds a layer's gradients out of wasm memory with it; unrolled by
// four): every length around the unrolling, a prefix of dst only, and a pointer not at the
// arena's start.

test('wasm memory addTo adds exactly n floats from the pointer, leaving the rest of dst', () => {
  const mem = runtime();
  for (const n of [0, 1, 3, 4, 5, 8, 17]) {
    const [, p] = mem.scratch(5, n + 3);
    const src = Float32Array.from({ length: n + 3 }, (_, i) => 0.5 + i);
    mem.put(p, src);
    const dst = Float32Array.from({ length: n + 2 }, (_, i) => -2 * i);
    mem.addTo(p, dst, n);
    const expected = Float32Array.from({ length: n + 2 }, (_, i) => (i < n ? -2 * i + 0.5 + i : -2 * i));
    assert.deepEqual(dst, expected, `n = ${n}`);
  }
});
