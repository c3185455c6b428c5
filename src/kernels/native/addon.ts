// Loads the Node-API addon built from native/ (native/build/Release/rnnkit_native.node) by
// `npm install` / `npm run build:native`. The build is optional: when the addon is missing or
// cannot load (no compiler at install, another platform, a browser), loadNativeAddon() returns
// null and prints one notice, and the backend registry simply has no 'native'.

/** The addon's functions (native/src/addon.cc); every array is a Float32Array used in place. */
export interface NativeAddon {
  gemm(transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number,
    A: Float32Array, B: Float32Array, beta: number, C: Float32Array): void;
  addRowVector(rows: number, cols: number, bias: Float32Array, y: Float32Array): void;
  sumRowsInto(rows: number, cols: number, x: Float32Array, out: Float32Array): void;
  gatherRows(V: number, E: number, table: Float32Array, n: number, ids: Int32Array, out: Float32Array): void;
  scatterAddRows(V: number, E: number, src: Float32Array, n: number, ids: Int32Array, skipId: number,
    table: Float32Array): void;
  activationForward(act: number, slope: number, n: number, x: Float32Array, y: Float32Array): void;
  activationBackward(act: number, slope: number, n: number, y: Float32Array, dy: Float32Array, dx: Float32Array,
    accumulate: boolean): void;
  softmaxRows(rows: number, cols: number, x: Float32Array, y: Float32Array): void;
  logSoftmaxRows(rows: number, cols: number, x: Float32Array, y: Float32Array): void;
  rnnCellForward(B: number, H: number, act: number, slope: number, xg: Float32Array, hg: Float32Array, h: Float32Array): void;
  rnnCellBackward(B: number, H: number, act: number, slope: number, h: Float32Array, dh: Float32Array, dPre: Float32Array): void;
  lstmCellForward(B: number, H: number, xg: Float32Array, hg: Float32Array, cPrev: Float32Array, gates: Float32Array,
    c: Float32Array, h: Float32Array): void;
  lstmCellBackward(B: number, H: number, gates: Float32Array, cPrev: Float32Array, c: Float32Array, dh: Float32Array,
    dc: Float32Array, dPre: Float32Array): void;
  gruCellForward(B: number, H: number, xg: Float32Array, hg: Float32Array, hPrev: Float32Array, gates: Float32Array,
    h: Float32Array): void;
  gruCellBackward(B: number, H: number, gates: Float32Array, hg: Float32Array, hPrev: Float32Array, dh: Float32Array,
    dXg: Float32Array, dHg: Float32Array, dhPrev: Float32Array): void;
  sequenceForward(mode: number, T: number, B: number, I: number, H: number, P: number, act: number, slope: number,
    rows: Int32Array | null, x: Float32Array, h0: Float32Array | null, c0: Float32Array | null,
    wIh: Float32Array, wHh: Float32Array, bIh: Float32Array | null, bHh: Float32Array | null, wHr: Float32Array | null,
    out: Float32Array | null, hN: Float32Array, cN: Float32Array | null,
    hAll: Float32Array | null, cAll: Float32Array | null, gatesAll: Float32Array | null, hgAll: Float32Array | null,
    hRawAll: Float32Array | null, outStride: number): void;
  sequenceBackward(mode: number, T: number, B: number, I: number, H: number, P: number, act: number, slope: number,
    rows: Int32Array | null, x: Float32Array, wIh: Float32Array, wHh: Float32Array, wHr: Float32Array | null,
    hAll: Float32Array, cAll: Float32Array | null, gatesAll: Float32Array | null, hgAll: Float32Array | null,
    hRawAll: Float32Array | null, dOut: Float32Array | null, dhN: Float32Array, dcN: Float32Array | null,
    dx: Float32Array | null, dh0: Float32Array | null, dc0: Float32Array | null, dWIh: Float32Array | null,
    dWHh: Float32Array | null, dBIh: Float32Array | null, dBHh: Float32Array | null, dWHr: Float32Array | null): void;
  sgdUpdate(n: number, param: Float32Array, grad: Float32Array, momentumBuf: Float32Array | null, initBuffer: boolean,
    lr: number, momentum: number, dampening: number, weightDecay: number, nesterov: boolean): void;
  adagradUpdate(n: number, param: Float32Array, grad: Float32Array, sum: Float32Array, clr: number, weightDecay: number,
    eps: number): void;
  rmspropUpdate(n: number, param: Float32Array, grad: Float32Array, squareAvg: Float32Array, gradAvg: Float32Array | null,
    momentumBuf: Float32Array | null, lr: number, alpha: number, eps: number, weightDecay: number, momentum: number): void;
  adamUpdate(n: number, param: Float32Array, grad: Float32Array, expAvg: Float32Array, expAvgSq: Float32Array,
    maxExpAvgSq: Float32Array | null, lr: number, beta1: number, beta2: number, eps: number, weightDecay: number,
    decoupled: boolean, stepSize: number, bias2Sqrt: number): void;
  crossEntropyForward(N: number, C: number, logits: Float32Array, targets: Int32Array, ignoreIndex: number,
    mask: Float32Array | null, weight: Float32Array | null, labelSmoothing: number, loss: Float32Array,
    grad: Float32Array | null): void;
  crossEntropyBackward(N: number, C: number, grad: Float32Array, rowScale: Float32Array | null, scale: number,
    dx: Float32Array): void;
  /** Resizes the thread pool (the calling thread included); returns the count in use. */
  setThreads(n: number): number;
  threads(): number;
  /** The instruction set in use: 'avx512', 'avx2' or 'generic'. */
  isa(): string;
  /** Switches to another instruction set this CPU supports (tests); false if it cannot. */
  setIsa(name: string): boolean;
  supportedIsas(): string[];
  /** Whether loading the addon set glibc's malloc to keep freed tensor memory (native/src/malloc_tuning.h). */
  mallocTuned(): boolean;
}

/** Where the addon is expected, relative to this file in dist/src/kernels/native/. */
export const addonUrl = new URL('../../../../native/build/Release/rnnkit_native.node', import.meta.url);

let loaded: NativeAddon | null | undefined;
let failure = '';

/** Why the addon did not load ('' when it did or was not tried yet). */
export function nativeLoadFailure(): string {
  return failure;
}

export function loadNativeAddon(): NativeAddon | null {
  if (loaded !== undefined) return loaded;
  loaded = null;
  const proc = typeof process !== 'undefined' ? process : undefined;
  const mod = proc?.getBuiltinModule?.('node:module') as typeof import('node:module') | undefined;
  if (!mod || addonUrl.protocol !== 'file:') {
    failure = 'not running in Node';
    return null;
  }
  if (proc?.env?.RNNKIT_NATIVE === '0') {
    failure = 'disabled by RNNKIT_NATIVE=0';
    return null;
  }
  // RNNKIT_NATIVE_ADDON: another build of the addon (tests simulate a missing one with it).
  const path = proc?.env?.RNNKIT_NATIVE_ADDON || addonUrl.pathname;
  try {
    loaded = mod.createRequire(import.meta.url)(path) as NativeAddon;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    failure = err.code === 'MODULE_NOT_FOUND'
      ? `${path} is not built`
      : `${path} did not load: ${err.message.split('\n')[0]}`;
    proc?.stderr?.write?.(`rnnkit: native backend unavailable (${failure}); using the wasm/js kernels. `
      + 'To build it, run `npm run build:native` (needs a C++ compiler, make and python3).\n');
  }
  return loaded;
}
