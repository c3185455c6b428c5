import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

// Which build the loader picks in Node: the relaxed-SIMD one (fused multiply-adds) by default,
// also on Node 20 where relaxed SIMD sits behind a V8 flag the loader turns on; the plain SIMD
// one with RNNKIT_WASM_RELAXED=0. Both give the same products to float32 rounding.

function loadIn(env: Record<string, string>): { file: string; c: number[] } {
  const indexUrl = new URL('../../src/kernels/wasm/index.js', import.meta.url).href;
  const script = `import { wasmFileName, wasmKernels as k } from ${JSON.stringify(indexUrl)};
    const n = 33, A = Float32Array.from({ length: n * n }, (_, i) => Math.sin(i)), C = new Float32Array(n * n);
    k.gemm(false, true, n, n, n, 1, A, A, 0, C);
    console.log(JSON.stringify({ file: wasmFileName(), c: Array.from(C) }));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script],
    { encoding: 'utf8', timeout: 20_000, env: { ...process.env, ...env }, cwd: fileURLToPath(new URL('.', import.meta.url)) });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

test('wasm loader: relaxed SIMD build by default in Node, plain with RNNKIT_WASM_RELAXED=0, same products', () => {
  const relaxed = loadIn({ RNNKIT_WASM_RELAXED: '' }), plain = loadIn({ RNNKIT_WASM_RELAXED: '0' });
  assert.match(relaxed.file, /^rnnkit-relaxed(-threads)?\.wasm$/);
  assert.match(plain.file, /^rnnkit(-threads)?\.wasm$/);
  for (let i = 0; i < plain.c.length; i++) {
    assert.ok(Math.abs(relaxed.c[i] - plain.c[i]) <= 1e-5 * (1 + Math.abs(plain.c[i])), `C[${i}]: ${relaxed.c[i]} vs ${plain.c[i]}`);
  }
});
