import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { nativeAddon, nativeLoadFailure } from '../../src/kernels/native/index.js';

// Loading the native addon sets glibc's malloc to keep freed tensor memory for reuse
// (native/src/malloc_tuning.h): a 4 MB array allocated, filled and freed again and again must
// then not fault its pages in each time. RNNKIT_MALLOC_TUNING=0 and the user's own malloc
// settings leave malloc alone. Each case runs in a process of its own (the setting is global).

const root = fileURLToPath(new URL('../../../', import.meta.url));
const glibc = Boolean((process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header?.glibcVersionRuntime);
const skip = !nativeAddon() ? `native addon not built (${nativeLoadFailure()})` : !glibc ? 'not a glibc system' : false;

function faultsPerArray(env: Record<string, string>): { tuned: boolean; faults: number } {
  const script = `
    const n = await import(${JSON.stringify(join(root, 'dist', 'src', 'kernels', 'native', 'index.js'))});
    const addon = n.nativeAddon();
    const churn = (times) => { for (let i = 0; i < times; i++) { new Float32Array(1 << 20).fill(1); globalThis.gc(); } };
    churn(5);
    const before = process.resourceUsage().minorPageFault;
    churn(40);
    console.log(JSON.stringify({ tuned: addon.mallocTuned(), faults: (process.resourceUsage().minorPageFault - before) / 40 }));`;
  const run = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], {
    encoding: 'utf8', env: { ...process.env, RNNKIT_MALLOC_TUNING: '', GLIBC_TUNABLES: '', ...env },
  });
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout.trim().split('\n').pop()!);
}

test('the native addon keeps freed tensor memory: a reallocated 4 MB array faults few of its 1,024 pages', { skip }, () => {
  const tuned = faultsPerArray({});
  const untuned = faultsPerArray({ RNNKIT_MALLOC_TUNING: '0' });
  assert.equal(tuned.tuned, true);
  assert.equal(untuned.tuned, false);
  assert.ok(tuned.faults <= 128, `with the setting: ${tuned.faults} page faults per array`);
  assert.ok(untuned.faults > 2 * tuned.faults, `without it: ${untuned.faults} page faults per array (with: ${tuned.faults})`);
});

test('a malloc setting of the user\'s own is left alone', { skip }, () => {
  assert.equal(faultsPerArray({ GLIBC_TUNABLES: 'glibc.malloc.trim_threshold=1048576' }).tuned, false);
  assert.equal(faultsPerArray({ MALLOC_TRIM_THRESHOLD_: '1048576' }).tuned, false);
});
