#!/bin/sh
# Runs the whole test suite once per backend present here: js, wasm, and native when its addon
# was built at install. Assumes `npm run build` has run.
set -e
cd "$(dirname "$0")/.."
for backend in js wasm native; do
  if [ "$backend" = native ] && ! RNNKIT_BACKEND=js node -e "import('./dist/src/kernels/native/index.js').then((m) => process.exit(m.nativeKernels ? 0 : 1))" 2>/dev/null; then
    echo "# the native addon is not built here: the suite ran on js and wasm only"
    continue
  fi
  echo "# test suite on the $backend backend"
  RNNKIT_BACKEND=$backend npm run --silent test:run
done
