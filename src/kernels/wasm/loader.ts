// Loads the compiled kernels (dist/wasm/rnnkit.wasm, or rnnkit-relaxed.wasm where the engine has
// relaxed SIMD; both built from ./assembly by `npm run build`).
// In Node the module is read and compiled synchronously on first use, so the backend can be
// selected without any await; elsewhere (browsers) call `initWasm()` once before using it.

/** The functions and memory ./assembly/index.ts exports; pointers and sizes are numbers. */
export interface WasmExports {
  memory: WebAssembly.Memory;
  alloc(bytes: number): number;
  free(ptr: number): void;
  gemm(transA: number, transB: number, M: number, N: number, K: number, alpha: number, A: number, B: number,
    beta: number, C: number): void;
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
    out: number, hAll: number, cAll: number, gatesAll: number, hgAll: number, hRawAll: number): void;
  sequenceBackward(mode: number, T: number, B: number, I: number, H: number, P: number, act: number, slope: number,
    x: number, wIh: number, wHh: number, wHr: number, rows: number,
    hAll: number, cAll: number, gatesAll: number, hgAll: number, hRawAll: number,
    dOut: number, dh: number, dc: number,
    dx: number, dWIh: number, dWHh: number, dBIh: number, dBHh: number, dWHr: number): void;
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

// RNNKIT_WASM_RELAXED=0 forces the plain SIMD build (to compare the two).
const preferRelaxed = hasRelaxedSimd()
  && (typeof process === 'undefined' || process.env?.RNNKIT_WASM_RELAXED !== '0');
const wasmUrl = new URL(`../../../wasm/${preferRelaxed ? 'rnnkit-relaxed' : 'rnnkit'}.wasm`, import.meta.url);
let loaded: WasmExports | null = null;

function imports(): WebAssembly.Imports {
  return {
    env: {
      abort(_msg: number, _file: number, line: number, column: number): never {
        throw new Error(`rnnkit wasm kernels aborted (assembly line ${line}:${column}); this is a bug in src/kernels/wasm/assembly`);
      },
    },
  };
}

function instantiate(module: WebAssembly.Module): WasmExports {
  return new WebAssembly.Instance(module, imports()).exports as unknown as WasmExports;
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
 * the .wasm bytes or where to find them; default: the file next to this package's build output.
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
