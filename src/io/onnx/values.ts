// Values flowing through an imported ONNX graph, and their conversion to and from TensorProto.
// Float tensors are float32 (FLOAT, the only float type rnnkit computes in); integer and boolean
// tensors keep exact values in a Float64Array (int64 ids, shapes and axes all fit in 2^53).
import { DataType, type TensorProto, int64ToNumber } from './proto.js';

export interface OnnxValue {
  /** TensorProto.DataType: 1 FLOAT, 6 INT32, 7 INT64, 9 BOOL, ... */
  readonly elemType: number;
  readonly dims: readonly number[];
  readonly data: Float32Array | Float64Array;
}

const TYPE_NAMES: Record<number, string> = {
  1: 'float32', 2: 'uint8', 3: 'int8', 4: 'uint16', 5: 'int16', 6: 'int32', 7: 'int64', 8: 'string', 9: 'bool',
  10: 'float16', 11: 'float64', 12: 'uint32', 13: 'uint64', 16: 'bfloat16',
};

export function typeName(elemType: number): string {
  return TYPE_NAMES[elemType] ?? `data type ${elemType}`;
}

export function sizeOfDims(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

export function floatValue(dims: readonly number[], data: Float32Array): OnnxValue {
  return { elemType: DataType.FLOAT, dims: [...dims], data };
}

export function intValue(dims: readonly number[], values: ArrayLike<number>, elemType: number = DataType.INT64): OnnxValue {
  return { elemType, dims: [...dims], data: Float64Array.from(values) };
}

export function isFloat(v: OnnxValue): boolean {
  return v.elemType === DataType.FLOAT;
}

// ---------------------------------------------------------------------------------------------
// TensorProto -> value

type Reader = (view: DataView, at: number) => number;
const RAW: Record<number, { size: number; read: Reader }> = {
  [DataType.FLOAT]: { size: 4, read: (v, at) => v.getFloat32(at, true) },
  [DataType.DOUBLE]: { size: 8, read: (v, at) => v.getFloat64(at, true) },
  [DataType.INT64]: { size: 8, read: (v, at) => Number(v.getBigInt64(at, true)) },
  [DataType.INT32]: { size: 4, read: (v, at) => v.getInt32(at, true) },
  [DataType.INT8]: { size: 1, read: (v, at) => v.getInt8(at) },
  [DataType.UINT8]: { size: 1, read: (v, at) => v.getUint8(at) },
  [DataType.BOOL]: { size: 1, read: (v, at) => v.getUint8(at) },
};

/** A tensor stored in the file; `where` names it in errors (e.g. "initializer 'W'"). */
export function valueFromTensorProto(t: TensorProto, where: string): OnnxValue {
  const elemType = t.data_type ?? 0;
  const dims = (t.dims ?? []).map(int64ToNumber);
  const n = sizeOfDims(dims);
  if (t.data_location === 1) throw new Error(`${where}: external data files are not supported; save the model with its weights inside the .onnx file`);
  const codec = RAW[elemType];
  if (!codec) throw new Error(`${where}: tensors of type ${typeName(elemType)} are not supported (float32, float64 and integer types are)`);
  // DOUBLE constants are narrowed: rnnkit computes in float32.
  const out = elemType === DataType.FLOAT || elemType === DataType.DOUBLE ? new Float32Array(n) : new Float64Array(n);
  const outType = elemType === DataType.DOUBLE ? DataType.FLOAT : elemType;
  const raw = t.raw_data;
  if (raw && raw.length) {
    if (raw.length !== n * codec.size) {
      throw new Error(`${where}: raw_data holds ${raw.length} bytes but shape [${dims.join(', ')}] of ${typeName(elemType)} needs ${n * codec.size}`);
    }
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    for (let i = 0; i < n; i++) out[i] = codec.read(view, i * codec.size);
    return { elemType: outType, dims, data: out };
  }
  const typed: ArrayLike<number | { toNumber(): number }> =
    elemType === DataType.FLOAT ? t.float_data ?? []
      : elemType === DataType.DOUBLE ? t.double_data ?? []
        : elemType === DataType.INT64 ? t.int64_data ?? [] : t.int32_data ?? [];
  if (typed.length !== n) {
    throw new Error(`${where}: holds ${typed.length} values but shape [${dims.join(', ')}] needs ${n}`);
  }
  for (let i = 0; i < n; i++) out[i] = int64ToNumber(typed[i]);
  return { elemType: outType, dims, data: out };
}

// ---------------------------------------------------------------------------------------------
// values -> TensorProto (little-endian raw_data, as ONNX requires)

export function floatTensorProto(name: string, dims: readonly number[], data: ArrayLike<number>): TensorProto {
  const raw = new Uint8Array(data.length * 4);
  const view = new DataView(raw.buffer);
  for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i], true);
  return { name, dims: [...dims], data_type: DataType.FLOAT, raw_data: raw };
}

export function int64TensorProto(name: string, dims: readonly number[], data: ArrayLike<number>): TensorProto {
  const raw = new Uint8Array(data.length * 8);
  const view = new DataView(raw.buffer);
  for (let i = 0; i < data.length; i++) view.setBigInt64(i * 8, BigInt(data[i]), true);
  return { name, dims: [...dims], data_type: DataType.INT64, raw_data: raw };
}
