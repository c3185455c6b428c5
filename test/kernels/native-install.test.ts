import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

// A machine without a C++ compiler: the install-time build (scripts/build-native.mjs, run by
// `npm ci`) must still exit 0 with one notice, and the library must then run on wasm/js with a
// notice instead of 'native'. Simulated on a temporary copy of native/ with CXX/CC pointing to a
// compiler that does not exist.

const root = fileURLToPath(new URL('../../../', import.meta.url));

test('native build without a compiler: install succeeds with a notice', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rnnkit-nocc-'));
  try {
    cpSync(join(root, 'scripts', 'build-native.mjs'), join(dir, 'scripts', 'build-native.mjs'));
    cpSync(join(root, 'native', 'binding.gyp'), join(dir, 'native', 'binding.gyp'));
    cpSync(join(root, 'native', 'src'), join(dir, 'native', 'src'), { recursive: true });
    symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
    const missing = join(dir, 'no-such-compiler');
    const run = spawnSync(process.execPath, [join(dir, 'scripts', 'build-native.mjs')], {
      encoding: 'utf8', env: { ...process.env, CXX: `${missing}/g++`, CC: `${missing}/gcc`, LINK: `${missing}/g++` },
    });
    assert.equal(run.status, 0, `the build script must not fail the install:\n${run.stderr}`);
    assert.match(run.stderr, /rnnkit: the native backend was not built \(/);
    assert.equal(existsSync(join(dir, 'native', 'build', 'Release', 'rnnkit_native.node')), false);

    const strict = spawnSync(process.execPath, [join(dir, 'scripts', 'build-native.mjs'), '--strict'], {
      encoding: 'utf8', env: { ...process.env, CXX: `${missing}/g++`, CC: `${missing}/gcc`, LINK: `${missing}/g++` },
    });
    assert.equal(strict.status, 1, '--strict (npm run build:native) reports the failure');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('without the addon the library falls back to wasm/js with one notice', () => {
  const script = `
    const b = await import(${JSON.stringify(join(root, 'dist', 'src', 'kernels', 'backend.js'))});
    const n = await import(${JSON.stringify(join(root, 'dist', 'src', 'kernels', 'native', 'index.js'))});
    n.loadNativeKernels();
    console.log(JSON.stringify({ backends: b.availableBackends(), current: b.kernels().name }));`;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8', env: { ...process.env, RNNKIT_NATIVE_ADDON: join(root, 'native', 'no-such-addon.node'), RNNKIT_BACKEND: '' },
  });
  assert.equal(run.status, 0, run.stderr);
  const result = JSON.parse(run.stdout.trim().split('\n').pop()!);
  assert.equal(result.backends.includes('native'), false);
  assert.ok(['wasm', 'js'].includes(result.current), result.current);
  const notices = run.stderr.split('\n').filter((l) => l.includes('native backend unavailable'));
  assert.equal(notices.length, 1, run.stderr);
  assert.match(notices[0], /no-such-addon\.node is not built\); using the wasm\/js kernels/);
});
