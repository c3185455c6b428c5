// Loads the compiled kernels (dist/wasm/rnnkit.wasm, or rnnkit-relaxed.wasm where the engine has
// relaxed SIMD; all built from ./assembly by `npm run build`). Where shared memory is available
// (Node; browsers when cross-origin isolated) the -threads builds are used instead: the same
// code over an imported shared memory, so that the worker pool (./pool.ts) can run parts of a
// kernel call on other threads; with one thread they compute exactly what the others do.
// In Node the module is read and compiled synchronously on first use, so the backend can be
// selected without any await; elsewhere (browsers) call `initWasm()` once before using it.

/** The functions and memory ./assembly/index.ts exports; pointers and sizes are numbers. */
export interface WasmExports {
  memory: WebAssembly.Memory;
  alloc(bytes: number): number;
  free(ptr: number): void;
  /** Team kernels (gemm, sequenceForward, sequenceBackward) end with (tid, nt); see ./pool.ts. */
  gemm(transA: number, transB: number, M: number, N: number, K: number, alpha: number, A: number, B: number,
    beta: number, C: number, tid: number, nt: number): void;
  setWaitPolicy(spins: number, canWait: number): void;
  /** Before each team call: clears the barrier count and abort flag (./assembly/team.ts). */
  teamReset(): void;
  /** After a trap on any thread: releases the others from their barriers. */
  teamAbort(): void;
  activationForward(act: number, slope: number, n: number, x: number, y: number): void;
  activationBackward(act: number, slope: number, n: number, y: number, dy: number, dx: number, accumulate: number): void;
  addRowVector(rows: number, cols: number, bias: number, y: number): void;
  sumRowsInto(rows: number, cols: number, x: number, out: number): void;
  softmaxRows(rows: number, cols: number, x: number, y: number): void;
  logSoftmaxRows(rows: number, cols: number, x: number, y: number): void;
  rnnCellForward(B: number, H: number, act: number, slope: number, xg: number, hg: number, h: number): void;
  rnnCellBackward(B: number, H: number, act: number, slope: number, h: number, dh: number, dPre: number): void;
  lstmCellForward(B: number, H: number, xg: number, hg: number, cPrev: number, gates: number, c: number, h: number): void;
  lstmCellBackward(B: number, H: number, gates: number, cPrev: number, c: number, dh: number, dc: number, dPre: number): void;
  gruCellForward(B: number, H: number, xg: number, hg: number, hPrev: number, gates: number, h: number): void;
  gruCellBackward(B: number, H: number, gates: number, hg: number, hPrev: number, dh: number,
    dXg: number, dHg: number, dhPrev: number): void;
  sequenceForward(mode: number, T: number, B: number, I: number, H: number, P: number, act: number, slope: number,
    x: number, h0: number, c0: number, wIh: number, wHh: number, bIh: number, bHh: number, wHr: number, rows: number,
    out: number, hAll: number, cAll: number, gatesAll: number, hgAll: number, hRawAll: number, tid: number, nt: number): void;
  /** 1 when a forward pass without backward may keep its states in out (hAll = 0). */
  statesInOut(T: number, B: number, hasRows: number): number;
  sequenceBackward(mode: number, T: number, B: number, I: number, H: number, P: number, act: number, slope: number,
    x: number, wIh: number, wHh: number, wHr: number, rows: number,
    hAll: number, cAll: number, gatesAll: number, hgAll: number, hRawAll: number,
    dOut: number, dh: number, dc: number,
    dx: number, dWIh: number, dWHh: number, dBIh: number, dBHh: number, dWHr: number, tid: number, nt: number): void;
  // The optimiser updates and the cross-entropy (./training.ts; pointers, 0 = absent).
  sgdUpdate(n: number, p: number, g: number, buf: number, initBuffer: number, lr: number, momentum: number,
    oneMinusDampening: number, weightDecay: number, nesterov: number, tid: number, nt: number): void;
  adagradUpdate(n: number, p: number, g: number, sum: number, clr: number, weightDecay: number, eps: number,
    tid: number, nt: number): void;
  rmspropUpdate(n: number, p: number, g: number, squareAvg: number, gradAvg: number, buf: number, lr: number,
    alpha: number, oneMinusAlpha: number, eps: number, weightDecay: number, momentum: number, tid: number, nt: number): void;
  adamUpdate(n: number, p: number, g: number, expAvg: number, expAvgSq: number, maxExpAvgSq: number, beta1: number,
    oneMinusBeta1: number, beta2: number, oneMinusBeta2: number, eps: number, coupledDecay: number, shrink: number,
    stepSize: number, bias2Sqrt: number, tid: number, nt: number): void;
  crossEntropyForward(N: number, C: number, logits: number, targets: number, ignoreIndex: number, mask: number,
    weight: number, oneMinusSmoothing: number, smoothingOverC: number, loss: number, grad: number): void;
  crossEntropyBackward(N: number, C: number, grad: number, rowScale: number, scale: number, dx: number): void;
}

/** What the worker pool needs to run the same kernels on other threads. */
export interface WasmShared {
  module: WebAssembly.Module;
  /** The shared memory; null when the engine has none (then there is only one thread). */
  memory: WebAssembly.Memory | null;
}

// A module whose only function uses f32x4.relaxed_madd: it validates where relaxed SIMD is on
// (Node >= 22, Chrome >= 114; Node 20 only with --experimental-wasm-relaxed-simd).
const RELAXED_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, // type: () -> v128
  0x03, 0x02, 0x01, 0x00, // one function of that type
  0x0a, 0x3d, 0x01, 0x3b, 0x00, // code: one body of 59 bytes, no locals
  ...[0, 1, 2].flatMap(() => [0xfd, 0x0c, ...new Array<number>(16).fill(0)]), // 3 x v128.const 0
  0xfd, 0x85, 0x02, 0x0b, // f32x4.relaxed_madd, end
]);

/** True when this engine runs relaxed SIMD, so the build with fused multiply-adds can be used. */
export function hasRelaxedSimd(): boolean {
  try {
    return WebAssembly.validate(RELAXED_PROBE);
  } catch {
    return false;
  }
}

// Must match --initialMemory / --maximumMemory of the -threads builds in package.json.
const SHARED_PAGES = { initial: 16, maximum: 65536 };

/** True when this engine can share a WebAssembly memory between threads. */
export function hasSharedMemory(): boolean {
  if (typeof SharedArrayBuffer !== 'function') return false;
  if ((globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === false) return false;
  try {
    return new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true }).buffer instanceof SharedArrayBuffer;
  } catch {
    return false;
  }
}

// RNNKIT_WASM_RELAXED=0 forces the plain SIMD build (to compare the two).
const env = typeof process !== 'undefined' ? process.env : undefined;
const relaxedWanted = env?.RNNKIT_WASM_RELAXED !== '0';

// Node 20 has relaxed SIMD complete but behind a V8 flag (on by default from Node 22). The flag
// only makes the engine accept more modules (nothing that validated before changes meaning), so
// it is set here: the fused multiply-adds make the GEMMs ~1.2x faster (W6).
function enableRelaxedSimdInNode(): void {
  if (!relaxedWanted || hasRelaxedSimd()) return;
  try {
    process.getBuiltinModule?.('node:v8')?.setFlagsFromString('--experimental-wasm-relaxed-simd');
  } catch {
    // Not Node, or a V8 without the flag: the plain SIMD build is used.
  }
}
if (env) enableRelaxedSimdInNode();
const preferRelaxed = relaxedWanted && hasRelaxedSimd();
const shared = hasSharedMemory();
const wasmUrl = new URL(`../../../wasm/rnnkit${preferRelaxed ? '-relaxed' : ''}${shared ? '-threads' : ''}.wasm`, import.meta.url);
let loaded: WasmExports | null = null;
let loadedShared: WasmShared | null = null;

/** The imports of one instance; `memory` is the shared memory of the -threads builds. */
export function wasmImports(memory: WebAssembly.Memory | null): WebAssembly.Imports {
  return {
    env: {
      ...(memory ? { memory } : {}),
      abort(_msg: number, _file: number, line: number, column: number): never {
        throw new Error(`rnnkit wasm kernels aborted (assembly line ${line}:${column}); this is a bug in src/kernels/wasm/assembly`);
      },
    },
  };
}

// A -threads build imports its (shared) memory; the others make their own.
function instantiate(module: WebAssembly.Module): WasmExports {
  const importsMemory = WebAssembly.Module.imports(module).some((i) => i.kind === 'memory');
  const memory = importsMemory ? new WebAssembly.Memory({ ...SHARED_PAGES, shared: true }) : null;
  loadedShared = { module, memory };
  return new WebAssembly.Instance(module, wasmImports(memory)).exports as unknown as WasmExports;
}

/** The compiled module and its memory, for instances on other threads (after wasm() or initWasm()). */
export function wasmShared(): WasmShared | null {
  return loadedShared;
}

/** The kernels' exports, compiling them synchronously on first use in Node. */
export function wasm(): WasmExports {
  if (loaded) return loaded;
  const fs = typeof process !== 'undefined' ? process.getBuiltinModule?.('node:fs') : undefined;
  if (!fs) throw new Error('rnnkit wasm backend: call `await initWasm()` before using it outside Node');
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = new Uint8Array(fs.readFileSync(wasmUrl));
  } catch (e) {
    throw new Error(`rnnkit wasm backend: cannot read ${wasmUrl.pathname} (${(e as Error).message}); `
      + 'run `npm run build` to compile src/kernels/wasm/assembly');
  }
  loaded = instantiate(new WebAssembly.Module(bytes));
  return loaded;
}

/**
 * Loads the kernels asynchronously (browsers, or to pay the compile cost up front). `source`:
 * the .wasm bytes or where to find them (any of the four builds; a -threads build needs shared
 * memory); default: the build wasmFileName() names, next to this package's build output.
 */
export async function initWasm(source?: URL | string | BufferSource): Promise<void> {
  if (loaded) return;
  const fs = typeof process !== 'undefined' ? process.getBuiltinModule?.('node:fs') : undefined;
  let bytes: BufferSource;
  if (source instanceof ArrayBuffer || ArrayBuffer.isView(source)) {
    bytes = source;
  } else {
    const url = source === undefined ? wasmUrl : new URL(source, wasmUrl);
    if (fs && url.protocol === 'file:') {
      bytes = new Uint8Array(await fs.promises.readFile(url));
    } else {
      const response = await fetch(url);
      if (!response.ok) throw new Error(`rnnkit wasm backend: fetching ${url.href} failed with HTTP ${response.status}`);
      bytes = await response.arrayBuffer();
    }
  }
  const module = await WebAssembly.compile(bytes);
  loaded ??= instantiate(module);
}

/** The build this engine loads: rnnkit[-relaxed][-threads].wasm. */
export function wasmFileName(): string {
  return wasmUrl.pathname.slice(wasmUrl.pathname.lastIndexOf('/') + 1);
}
