// The element types of the safetensors format: byte size, the writer's sort rank, and the typed
// array that holds the raw little-endian values. F16/BF16 stay as raw bits (Uint16Array) and the
// F8 types as raw bytes (Uint8Array) until converted to float32.

export type SafeDtype =
  | 'BOOL' | 'U8' | 'I8' | 'F8_E5M2' | 'F8_E4M3' | 'I16' | 'U16' | 'F16' | 'BF16'
  | 'I32' | 'U32' | 'F32' | 'F64' | 'I64' | 'U64';

export type SafeData =
  | Float32Array | Float64Array | Int32Array | Uint32Array | BigInt64Array | BigUint64Array
  | Int16Array | Uint16Array | Int8Array | Uint8Array;

type TypedArrayClass = { new(buffer: ArrayBuffer): SafeData; readonly BYTES_PER_ELEMENT: number };

interface DtypeInfo { readonly size: number; readonly array: TypedArrayClass }

// Listed in the order of the Rust crate's `Dtype` enum (increasing alignment): its writer sorts
// tensors by that rank descending, then by name, and we must match it byte for byte.
const DTYPES: Record<SafeDtype, DtypeInfo> = {
  BOOL: { size: 1, array: Uint8Array },
  U8: { size: 1, array: Uint8Array },
  I8: { size: 1, array: Int8Array },
  F8_E5M2: { size: 1, array: Uint8Array },
  F8_E4M3: { size: 1, array: Uint8Array },
  I16: { size: 2, array: Int16Array },
  U16: { size: 2, array: Uint16Array },
  F16: { size: 2, array: Uint16Array },
  BF16: { size: 2, array: Uint16Array },
  I32: { size: 4, array: Int32Array },
  U32: { size: 4, array: Uint32Array },
  F32: { size: 4, array: Float32Array },
  F64: { size: 8, array: Float64Array },
  I64: { size: 8, array: BigInt64Array },
  U64: { size: 8, array: BigUint64Array },
};

const RANK = new Map(Object.keys(DTYPES).map((d, i) => [d, i]));

export const SAFE_DTYPES = Object.keys(DTYPES) as SafeDtype[];

export function isSafeDtype(d: unknown): d is SafeDtype {
  return typeof d === 'string' && RANK.has(d);
}

export function dtypeSize(d: SafeDtype): number { return DTYPES[d].size; }

/** Position in the Rust enum; the writer puts higher ranks first. */
export function dtypeRank(d: SafeDtype): number { return RANK.get(d)!; }

/** The typed array class that carries values of this dtype (raw bits for F16/BF16/F8). */
export function arrayClassOf(d: SafeDtype): TypedArrayClass { return DTYPES[d].array; }

/** The dtype a typed array stands for when none is given (Uint16Array is U16, Uint8Array is U8). */
export function dtypeOfArray(data: ArrayBufferView): SafeDtype | undefined {
  if (data instanceof Float32Array) return 'F32';
  if (data instanceof Float64Array) return 'F64';
  if (data instanceof Int32Array) return 'I32';
  if (data instanceof BigInt64Array) return 'I64';
  if (data instanceof Int16Array) return 'I16';
  if (data instanceof Int8Array) return 'I8';
  if (data instanceof Uint8Array) return 'U8';
  if (data instanceof Uint16Array) return 'U16';
  if (data instanceof Uint32Array) return 'U32';
  if (data instanceof BigUint64Array) return 'U64';
  return undefined;
}

/** IEEE half-precision bits -> number (subnormals, infinities and NaN included). */
export function f16BitsToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** bfloat16 is the top half of a float32, so widening is a shift. */
export function bf16ToFloat32(bits: Uint16Array): Float32Array {
  const wide = new Uint32Array(bits.length);
  for (let i = 0; i < bits.length; i++) wide[i] = bits[i] << 16;
  return new Float32Array(wide.buffer);
}

export function f16ToFloat32(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = f16BitsToNumber(bits[i]);
  return out;
}

/** Typed arrays use the host's byte order; safetensors is little-endian everywhere. */
export const hostIsLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Reverses each element's bytes in place (used only on big-endian hosts). */
export function swapBytes(bytes: Uint8Array, elementSize: number): void {
  if (elementSize === 1) return;
  for (let i = 0; i < bytes.length; i += elementSize) bytes.subarray(i, i + elementSize).reverse();
}
