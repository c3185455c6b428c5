// The safetensors format (https://github.com/huggingface/safetensors), in memory:
//   [u64 little-endian N] [N bytes of UTF-8 JSON header, space-padded] [data buffer]
//   header: {"__metadata__": {str: str}, "<name>": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, ...}
// Offsets are relative to the data buffer; each tensor is contiguous, row-major, little-endian.
// No file system here, so the browser build can use it too (files: safetensors-file.ts).
import { Tensor, shapeString, sizeOf } from '../tensor/tensor.js';
import {
  type SafeData, type SafeDtype, SAFE_DTYPES, arrayClassOf, bf16ToFloat32, dtypeOfArray, dtypeRank,
  dtypeSize, f16ToFloat32, hostIsLittleEndian, isSafeDtype, swapBytes,
} from './safetensors-dtypes.js';

export type { SafeData, SafeDtype } from './safetensors-dtypes.js';

/** One tensor as stored: F16/BF16 values are raw bits in a Uint16Array, I64 values are bigints. */
export interface SafeTensorEntry {
  readonly dtype: SafeDtype;
  readonly shape: readonly number[];
  readonly data: SafeData;
}

/**
 * Values that are not a float Tensor, e.g. token ids or step counters. The dtype follows the
 * typed array (Int32Array -> I32, BigInt64Array -> I64, ...) unless given; BOOL, F16, BF16 and
 * the F8 types must be given, with their raw bits in a Uint8Array/Uint16Array.
 */
export interface IntTensorLike {
  readonly shape: readonly number[];
  readonly data: SafeData;
  readonly dtype?: SafeDtype;
}

export type SafetensorsInput = Map<string, Tensor | IntTensorLike> | Record<string, Tensor | IntTensorLike>;

export interface ParsedSafetensors {
  tensors: Map<string, SafeTensorEntry>;
  metadata: Record<string, string>;
}

/** The reference reader refuses larger headers; so do we, before allocating anything. */
export const MAX_HEADER_BYTES = 100_000_000;

const METADATA_KEY = '__metadata__';

// ---------------------------------------------------------------------------------------------
// Writing

interface Prepared { name: string; dtype: SafeDtype; shape: readonly number[]; bytes: Uint8Array }

function prepare(name: string, t: Tensor | IntTensorLike): Prepared {
  const where = `serializeSafetensors: tensor '${name}'`;
  if (name === METADATA_KEY) throw new Error(`${where}: the name is reserved for the file's metadata`);
  const declared = t instanceof Tensor ? undefined : t.dtype;
  const dtype = declared ?? dtypeOfArray(t.data);
  if (!dtype) throw new Error(`${where}: cannot store a ${t.data?.constructor?.name ?? typeof t.data}`);
  if (!isSafeDtype(dtype)) throw new Error(`${where}: unknown dtype '${dtype}' (known: ${SAFE_DTYPES.join(', ')})`);
  const cls = arrayClassOf(dtype);
  if (!(t.data instanceof cls)) {
    throw new Error(`${where}: dtype ${dtype} needs its values in a ${cls.name}, got a ${t.data.constructor.name}`);
  }
  for (const d of t.shape) {
    if (!Number.isSafeInteger(d) || d < 0) throw new Error(`${where}: bad shape ${shapeString(t.shape)}`);
  }
  if (sizeOf(t.shape) !== t.data.length) {
    throw new Error(`${where}: shape ${shapeString(t.shape)} needs ${sizeOf(t.shape)} values, data has ${t.data.length}`);
  }
  const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  return { name, dtype, shape: t.shape, bytes };
}

/** Rust orders names as UTF-8 bytes, which is code-point order; JS `<` compares UTF-16 units. */
function compareCodePoints(a: string, b: string): number {
  for (let i = 0; i < a.length && i < b.length;) {
    const ca = a.codePointAt(i)!, cb = b.codePointAt(i)!;
    if (ca !== cb) return ca - cb;
    i += ca > 0xffff ? 2 : 1;
  }
  return a.length - b.length;
}

/**
 * The file's bytes, exactly as Python's safetensors.torch.save_file writes them: tensors sorted by
 * dtype alignment (descending) then name, compact JSON with __metadata__ first (its keys sorted;
 * left out when empty), header padded with spaces to a multiple of 8 so every tensor is aligned.
 */
export function serializeSafetensors(tensors: SafetensorsInput, metadata?: Record<string, string>): Uint8Array {
  const entries = tensors instanceof Map ? [...tensors] : Object.entries(tensors);
  const items = entries.map(([name, t]) => prepare(name, t));
  items.sort((a, b) => dtypeRank(b.dtype) - dtypeRank(a.dtype) || compareCodePoints(a.name, b.name));

  // Built by hand: a JS object would move integer-like names ("0", "12") to the front.
  const parts: string[] = [];
  const metaKeys = Object.keys(metadata ?? {}).sort(compareCodePoints);
  if (metaKeys.length) {
    const pairs = metaKeys.map((k) => {
      const v = metadata![k];
      if (typeof v !== 'string') throw new Error(`serializeSafetensors: metadata '${k}' must be a string, got ${typeof v}`);
      return `${JSON.stringify(k)}:${JSON.stringify(v)}`;
    });
    parts.push(`"${METADATA_KEY}":{${pairs.join(',')}}`);
  }
  let offset = 0;
  for (const it of items) {
    const info = { dtype: it.dtype, shape: it.shape, data_offsets: [offset, offset + it.bytes.length] };
    parts.push(`${JSON.stringify(it.name)}:${JSON.stringify(info)}`);
    offset += it.bytes.length;
  }
  const json = new TextEncoder().encode(`{${parts.join(',')}}`);
  const headerLength = Math.ceil(json.length / 8) * 8;

  const out = new Uint8Array(8 + headerLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength);
  let at = 8 + headerLength;
  for (const it of items) {
    out.set(it.bytes, at);
    if (!hostIsLittleEndian) swapBytes(out.subarray(at, at + it.bytes.length), dtypeSize(it.dtype));
    at += it.bytes.length;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Reading

interface HeaderEntry { name: string; dtype: SafeDtype; shape: number[]; begin: number; end: number }

/** The keys of the top-level object in order, duplicates kept (JSON.parse silently keeps the last). */
function topLevelKeys(json: string): string[] {
  const keys: string[] = [];
  let depth = 0, previous = '';
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (c === '"') {
      let j = i + 1;
      while (json[j] !== '"') j += json[j] === '\\' ? 2 : 1;
      if (depth === 1 && (previous === '{' || previous === ',')) keys.push(JSON.parse(json.slice(i, j + 1)) as string);
      i = j;
      previous = '"';
    } else if (c !== ' ' && c !== '\n' && c !== '\r' && c !== '\t') {
      if (c === '{' || c === '[') depth++;
      else if (c === '}' || c === ']') depth--;
      previous = c;
    }
  }
  return keys;
}

function describe(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? `array ${JSON.stringify(v).slice(0, 60)}` : `${typeof v} ${JSON.stringify(v)?.slice(0, 60)}`;
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function checkEntry(name: string, info: unknown, fail: (problem: string) => never): HeaderEntry {
  const at = `tensor '${name}'`;
  if (typeof info !== 'object' || info === null || Array.isArray(info)) {
    fail(`${at}: expected {"dtype", "shape", "data_offsets"}, got ${describe(info)}`);
  }
  const { dtype, shape, data_offsets: offsets } = info as Record<string, unknown>;
  if (!isSafeDtype(dtype)) fail(`${at} has unknown dtype ${JSON.stringify(dtype)} (known: ${SAFE_DTYPES.join(', ')})`);
  if (!Array.isArray(shape) || !shape.every(isCount)) fail(`${at}: shape must be a list of non-negative integers, got ${describe(shape)}`);
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount) || offsets[0] > offsets[1]) {
    fail(`${at}: data_offsets must be [begin, end] with 0 <= begin <= end, got ${describe(offsets)}`);
  }
  const [begin, end] = offsets as number[];
  const expected = sizeOf(shape) * dtypeSize(dtype);
  if (!Number.isSafeInteger(expected)) fail(`${at}: shape ${shapeString(shape)} is too large`);
  if (end - begin !== expected) {
    fail(`${at} (${dtype}, shape ${shapeString(shape)}) needs ${expected} bytes but its data_offsets [${begin}, ${end}] span ${end - begin}`);
  }
  return { name, dtype, shape, begin, end };
}

function checkMetadata(value: unknown, fail: (problem: string) => never): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) fail(`${METADATA_KEY} must be an object of strings, got ${describe(value)}`);
  for (const [k, v] of Object.entries(value as object)) {
    if (typeof v !== 'string') fail(`${METADATA_KEY} '${k}' must be a string, got ${describe(v)}`);
  }
  return { ...(value as Record<string, string>) };
}

/** Offsets sorted by position must tile the data buffer exactly: no overlap, no hole, nothing after. */
function checkLayout(entries: HeaderEntry[], dataLength: number, fail: (problem: string) => never): void {
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0, previous: HeaderEntry | undefined;
  for (const e of entries) {
    if (e.begin < covered) {
      fail(`tensors '${previous!.name}' [${previous!.begin}, ${previous!.end}] and '${e.name}' [${e.begin}, ${e.end}] overlap in the data buffer`);
    }
    if (e.begin > covered) {
      const after = previous ? `between '${previous.name}' and '${e.name}'` : `before '${e.name}'`;
      fail(`data bytes [${covered}, ${e.begin}) belong to no tensor (a hole of ${e.begin - covered} bytes ${after})`);
    }
    covered = e.end;
    previous = e;
  }
  if (covered > dataLength) {
    fail(`file is truncated: tensor '${previous!.name}' ends at data offset ${covered} but only ${dataLength} data bytes follow the header (${covered - dataLength} bytes missing)`);
  }
  if (covered < dataLength) {
    const last = previous ? `the last tensor '${previous.name}' ends at ${covered}` : 'the header lists no tensors';
    fail(`${dataLength - covered} bytes at the end of the data buffer belong to no tensor (${last}, the buffer holds ${dataLength})`);
  }
}

/**
 * Reads a whole safetensors file from memory, validating everything the reference reader does
 * (and naming the tensor and the numbers when something is wrong). Values are copied out, so the
 * result does not keep `bytes` alive and every array is aligned.
 */
export function parseSafetensors(bytes: Uint8Array, source = '<buffer>'): ParsedSafetensors {
  const fail = (problem: string): never => { throw new Error(`safetensors ${source}: ${problem}`); };
  if (bytes.length < 8) fail(`file is ${bytes.length} bytes long, too short for the 8-byte header length`);
  const n = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES)) fail(`header length ${n} exceeds the ${MAX_HEADER_BYTES}-byte limit (not a safetensors file?)`);
  const headerLength = Number(n);
  if (8 + headerLength > bytes.length) {
    fail(`header length ${headerLength} is larger than the ${bytes.length - 8} bytes that follow it (truncated or not a safetensors file)`);
  }
  if (bytes[8] !== 0x7b) fail(`header must start with '{' (got byte 0x${(bytes[8] ?? 0).toString(16)})`);

  let text = '';
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength));
  } catch {
    fail('header is not valid UTF-8');
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    fail(`header is not valid JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) fail('header must be a JSON object');

  const seen = new Set<string>();
  for (const k of topLevelKeys(text)) {
    if (seen.has(k)) fail(`the header lists '${k}' twice`);
    seen.add(k);
  }

  const record = header as Record<string, unknown>;
  const metadata = checkMetadata(record[METADATA_KEY], fail);
  const entries = Object.keys(record).filter((k) => k !== METADATA_KEY).map((k) => checkEntry(k, record[k], fail));
  const dataStart = 8 + headerLength;
  checkLayout(entries, bytes.length - dataStart, fail);

  // Insertion follows the file's order (by offset), which is also the writer's order.
  const tensors = new Map<string, SafeTensorEntry>();
  for (const e of entries) {
    const copy = new Uint8Array(e.end - e.begin);
    copy.set(bytes.subarray(dataStart + e.begin, dataStart + e.end));
    if (!hostIsLittleEndian) swapBytes(copy, dtypeSize(e.dtype));
    const Cls = arrayClassOf(e.dtype);
    tensors.set(e.name, { dtype: e.dtype, shape: e.shape, data: new Cls(copy.buffer) });
  }
  return { tensors, metadata };
}

// ---------------------------------------------------------------------------------------------
// To rnnkit tensors

/** Float values widened or narrowed to float32 (F16 and BF16 decoded exactly). */
export function toFloat32(entry: SafeTensorEntry, name = '<tensor>'): Float32Array {
  switch (entry.dtype) {
    case 'F32': return entry.data as Float32Array;
    case 'F64': return Float32Array.from(entry.data as Float64Array);
    case 'F16': return f16ToFloat32(entry.data as Uint16Array);
    case 'BF16': return bf16ToFloat32(entry.data as Uint16Array);
    default: throw new Error(`tensor '${name}' is ${entry.dtype}, not a floating-point type (F32, F64, F16, BF16) that a Tensor holds`);
  }
}

/** A Tensor with the entry's values: F64 stays float64, F32/F16/BF16 become float32. */
export function entryToTensor(entry: SafeTensorEntry, name = '<tensor>'): Tensor {
  const data = entry.dtype === 'F64' ? entry.data as Float64Array : toFloat32(entry, name);
  const t = new Tensor(data, entry.shape);
  t.name = name;
  return t;
}

/** Every tensor as float32, keyed by its name, ready for Module.loadStateDict. */
export function stateDictFromSafetensors(parsed: ParsedSafetensors, source = '<buffer>'): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const [name, entry] of parsed.tensors) {
    let data: Float32Array;
    try {
      data = toFloat32(entry, name);
    } catch (e) {
      throw new Error(`safetensors ${source}: ${(e as Error).message}; a state dict holds float weights only`);
    }
    const t = new Tensor(data, entry.shape);
    t.name = name;
    out.set(name, t);
  }
  return out;
}
