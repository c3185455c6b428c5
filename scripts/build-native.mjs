#!/usr/bin/env node
// Builds the optional native backend: native/ -> native/build/Release/rnnkit_native.node, with
// node-gyp (shipped with npm) and node-addon-api. Run by `npm install` / `npm ci`, where it must
// never fail the install: without a C++ compiler (or make, python3, Node headers) it prints one
// notice and exits 0, and rnnkit runs on its wasm / js kernels.
//   node scripts/build-native.mjs            # optional build (install)
//   node scripts/build-native.mjs --strict   # exit 1 when the build fails (development)
// RNNKIT_SKIP_NATIVE=1 skips the build; RNNKIT_NATIVE_VERBOSE=1 prints node-gyp's whole log.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const strict = process.argv.includes('--strict');
const verbose = process.env.RNNKIT_NATIVE_VERBOSE === '1';
const nativeDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'native');

function notice(reason) {
  const msg = `rnnkit: the native backend was not built (${reason}); rnnkit will use its wasm/js kernels. `
    + 'To build it later: install a C++ compiler, make and python3, then run `npm run build:native`.';
  if (strict) {
    console.error(msg);
    process.exit(1);
  }
  console.warn(msg);
  process.exit(0);
}

if (process.env.RNNKIT_SKIP_NATIVE === '1') notice('RNNKIT_SKIP_NATIVE=1');
if (!existsSync(join(nativeDir, 'binding.gyp'))) notice(`${nativeDir}/binding.gyp is missing`);

// node-gyp: the one npm passes to its scripts, else the one bundled with this Node's npm.
const prefix = dirname(dirname(process.execPath));
const gypCandidates = [
  process.env.npm_config_node_gyp,
  join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  join(dirname(process.execPath), 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
].filter(Boolean);
const nodeGyp = gypCandidates.find((p) => existsSync(p));
if (!nodeGyp) notice('node-gyp not found next to npm');

// Build against the headers installed with Node when they are there, so nothing is downloaded.
const args = [nodeGyp, 'rebuild'];
if (!process.env.npm_config_nodedir && existsSync(join(prefix, 'include', 'node', 'node_api.h'))) {
  args.push(`--nodedir=${prefix}`);
}
const run = spawnSync(process.execPath, args, {
  cwd: nativeDir, encoding: 'utf8', timeout: 15 * 60 * 1000, stdio: verbose ? 'inherit' : 'pipe',
});
if (run.status !== 0 || !existsSync(join(nativeDir, 'build', 'Release', 'rnnkit_native.node'))) {
  const log = `${run.stdout ?? ''}\n${run.stderr ?? ''}`;
  const firstError = log.split('\n').find((l) => /error|not found|No such file/i.test(l) && !/^gyp info/.test(l));
  notice(run.error ? `node-gyp could not run: ${run.error.message}`
    : `node-gyp exited with ${run.status}${firstError ? `: ${firstError.trim()}` : ''}`);
}
console.log('rnnkit: native backend built (native/build/Release/rnnkit_native.node)');
