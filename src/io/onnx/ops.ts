// The plain tensor ops an imported graph needs around its recurrent nodes: the shape plumbing
// PyTorch's exporter emits (Shape, Gather, Unsqueeze, Concat, ConstantOfShape, Slice, Squeeze,
// Transpose, Reshape) and the pieces of an output head (MatMul, Gemm, Add, Softmax).
// Each op: (inputs, attributes) -> outputs; errors name the op, shapes and values involved.
import { kernels } from '../../kernels/backend.js';
import { DataType } from './proto.js';
import { type OnnxValue, floatValue, intValue, isFloat, sizeOfDims, typeName, valueFromTensorProto } from './values.js';
import { Attributes } from './attributes.js';

export type OpFn = (inputs: (OnnxValue | null)[], attrs: Attributes, opset: number) => OnnxValue[];

function shape(dims: readonly number[]): string {
  return `[${dims.join(', ')}]`;
}

function strides(dims: readonly number[]): number[] {
  const s = new Array<number>(dims.length);
  let n = 1;
  for (let i = dims.length - 1; i >= 0; i--) { s[i] = n; n *= dims[i]; }
  return s;
}

function normAxis(op: string, axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new Error(`${op}: axis ${axis} is out of range for a tensor of rank ${rank}`);
  return a;
}

function like(v: OnnxValue, dims: readonly number[], n = sizeOfDims(dims)): OnnxValue {
  const data = isFloat(v) ? new Float32Array(n) : new Float64Array(n);
  return { elemType: v.elemType, dims: [...dims], data };
}

function need(op: string, inputs: (OnnxValue | null)[], i: number, what: string): OnnxValue {
  const v = inputs[i];
  if (!v) throw new Error(`${op}: input ${i} (${what}) is missing`);
  return v;
}

/** Integer list from an input (axes, shape, starts, ...). */
function ints(v: OnnxValue): number[] {
  return Array.from(v.data);
}

/** Gathers `out` from `src` where out index i maps to source flat offset `map(i)`. */
function remap(src: OnnxValue, dims: readonly number[], sourceOffset: (index: number[]) => number): OnnxValue {
  const out = like(src, dims);
  const idx = new Array<number>(dims.length).fill(0);
  for (let i = 0; i < out.data.length; i++) {
    out.data[i] = src.data[sourceOffset(idx)];
    for (let k = dims.length - 1; k >= 0; k--) {
      if (++idx[k] < dims[k]) break;
      idx[k] = 0;
    }
  }
  return out;
}

function transpose(x: OnnxValue, perm: readonly number[]): OnnxValue {
  if (perm.length !== x.dims.length || [...perm].sort().some((p, i) => p !== i)) {
    throw new Error(`Transpose: perm [${perm.join(', ')}] does not fit a tensor of shape ${shape(x.dims)}`);
  }
  const st = strides(x.dims);
  return remap(x, perm.map((p) => x.dims[p]), (idx) => idx.reduce((off, v, k) => off + v * st[perm[k]], 0));
}

function reshape(x: OnnxValue, target: readonly number[], allowZero: boolean): OnnxValue {
  const dims = target.map((d, i) => (d === 0 && !allowZero ? x.dims[i] : d));
  const known = dims.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  const free = dims.indexOf(-1);
  if (free >= 0) dims[free] = known === 0 ? 0 : x.data.length / known;
  if (sizeOfDims(dims) !== x.data.length || dims.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new Error(`Reshape: cannot reshape ${shape(x.dims)} (${x.data.length} values) to [${target.join(', ')}]`);
  }
  return { elemType: x.elemType, dims, data: x.data };
}

function broadcastDims(op: string, a: readonly number[], b: readonly number[]): number[] {
  const r = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < r; i++) {
    const da = a[a.length - r + i] ?? 1, db = b[b.length - r + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) throw new Error(`${op}: shapes ${shape(a)} and ${shape(b)} do not broadcast`);
    out.push(Math.max(da, db));
  }
  return out;
}

function elementwise(op: string, f: (x: number, y: number) => number): OpFn {
  return (inputs) => {
    const a = need(op, inputs, 0, 'A'), b = need(op, inputs, 1, 'B');
    const dims = broadcastDims(op, a.dims, b.dims);
    const out = like(a, dims);
    const sa = strides(a.dims), sb = strides(b.dims);
    const idx = new Array<number>(dims.length).fill(0);
    for (let i = 0; i < out.data.length; i++) {
      let oa = 0, ob = 0;
      for (let k = 0; k < dims.length; k++) {
        const ka = k - (dims.length - a.dims.length), kb = k - (dims.length - b.dims.length);
        if (ka >= 0 && a.dims[ka] !== 1) oa += idx[k] * sa[ka];
        if (kb >= 0 && b.dims[kb] !== 1) ob += idx[k] * sb[kb];
      }
      out.data[i] = f(a.data[oa], b.data[ob]);
      for (let k = dims.length - 1; k >= 0; k--) {
        if (++idx[k] < dims[k]) break;
        idx[k] = 0;
      }
    }
    return [out];
  };
}

/** C[M, N] = op(A)[M, K] · op(B)[K, N] with the shared GEMM kernel. */
function gemm2d(a: Float32Array, b: Float32Array, M: number, N: number, K: number, transA: boolean, transB: boolean): Float32Array {
  const c = new Float32Array(M * N);
  kernels().gemm(transA, transB, M, N, K, 1, a, b, 0, c);
  return c;
}

function softmax(log: boolean): OpFn {
  return (inputs, attrs, opset) => {
    const op = log ? 'LogSoftmax' : 'Softmax';
    const x = need(op, inputs, 0, 'input');
    const axis = normAxis(op, attrs.int('axis', opset >= 13 ? -1 : 1), x.dims.length);
    if (opset < 13 && axis !== x.dims.length - 1) throw new Error(`${op}: opset ${opset} flattens from axis ${axis}; only the last axis is supported`);
    if (axis !== x.dims.length - 1) throw new Error(`${op}: only the last axis is supported, got axis ${axis} of ${shape(x.dims)}`);
    const n = x.dims[axis], out = like(x, x.dims);
    for (let r = 0; r < x.data.length; r += n) {
      let max = -Infinity;
      for (let j = 0; j < n; j++) max = Math.max(max, x.data[r + j]);
      let sum = 0;
      for (let j = 0; j < n; j++) sum += Math.exp(x.data[r + j] - max);
      for (let j = 0; j < n; j++) out.data[r + j] = log ? x.data[r + j] - max - Math.log(sum) : Math.exp(x.data[r + j] - max) / sum;
    }
    return [out];
  };
}

function unsqueezeAxes(inputs: (OnnxValue | null)[], attrs: Attributes, opset: number): number[] | null {
  if (opset >= 13) return inputs[1] ? ints(inputs[1]) : null;
  return attrs.has('axes') ? attrs.ints('axes') : null;
}

export const OPS: Record<string, OpFn> = {
  Identity: (inputs) => [need('Identity', inputs, 0, 'input')],
  // Inference mode: dropout passes its input through.
  Dropout: (inputs) => [need('Dropout', inputs, 0, 'data')],
  Constant: (_inputs, attrs) => {
    if (attrs.has('value')) return [valueFromTensorProto(attrs.tensor('value'), 'Constant value')];
    if (attrs.has('value_float')) return [floatValue([], Float32Array.of(attrs.float('value_float', 0)))];
    if (attrs.has('value_floats')) { const f = attrs.floats('value_floats'); return [floatValue([f.length], Float32Array.from(f))]; }
    if (attrs.has('value_int')) return [intValue([], [attrs.int('value_int', 0)])];
    if (attrs.has('value_ints')) { const i = attrs.ints('value_ints'); return [intValue([i.length], i)]; }
    throw new Error('Constant: only value, value_float(s) and value_int(s) are supported');
  },
  Shape: (inputs, attrs) => {
    const x = need('Shape', inputs, 0, 'data'), r = x.dims.length;
    const clamp = (v: number) => Math.min(r, Math.max(0, v < 0 ? v + r : v));
    const dims = x.dims.slice(clamp(attrs.int('start', 0)), clamp(attrs.int('end', r)));
    return [intValue([dims.length], dims)];
  },
  Cast: (inputs, attrs) => {
    const x = need('Cast', inputs, 0, 'input'), to = attrs.int('to', 0);
    if (to === DataType.FLOAT || to === DataType.DOUBLE) return [floatValue(x.dims, Float32Array.from(x.data))];
    if (to === DataType.INT64 || to === DataType.INT32) return [intValue(x.dims, Array.from(x.data, Math.trunc), to)];
    throw new Error(`Cast: casting to ${typeName(to)} is not supported`);
  },
  Gather: (inputs, attrs) => {
    const data = need('Gather', inputs, 0, 'data'), indices = need('Gather', inputs, 1, 'indices');
    const axis = normAxis('Gather', attrs.int('axis', 0), data.dims.length);
    const n = data.dims[axis];
    const inner = sizeOfDims(data.dims.slice(axis + 1)), outer = sizeOfDims(data.dims.slice(0, axis));
    const out = like(data, [...data.dims.slice(0, axis), ...indices.dims, ...data.dims.slice(axis + 1)]);
    const m = indices.data.length;
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < m; j++) {
        let k = indices.data[j];
        if (k < 0) k += n;
        if (!(k >= 0 && k < n)) throw new Error(`Gather: index ${indices.data[j]} at position ${j} is outside 0..${n - 1} (data: ${shape(data.dims)}, axis ${axis})`);
        out.data.set(data.data.subarray((o * n + k) * inner, (o * n + k + 1) * inner), (o * m + j) * inner);
      }
    }
    return [out];
  },
  Unsqueeze: (inputs, attrs, opset) => {
    const x = need('Unsqueeze', inputs, 0, 'data');
    const axes = unsqueezeAxes(inputs, attrs, opset);
    if (!axes) throw new Error('Unsqueeze: axes are missing');
    const r = x.dims.length + axes.length;
    const set = new Set(axes.map((a) => normAxis('Unsqueeze', a, r)));
    const dims: number[] = [];
    for (let i = 0, j = 0; i < r; i++) dims.push(set.has(i) ? 1 : x.dims[j++]);
    return [{ elemType: x.elemType, dims, data: x.data }];
  },
  Squeeze: (inputs, attrs, opset) => {
    const x = need('Squeeze', inputs, 0, 'data');
    const axes = unsqueezeAxes(inputs, attrs, opset);
    const set = new Set((axes ?? x.dims.map((d, i) => (d === 1 ? i : -1)).filter((i) => i >= 0)).map((a) => normAxis('Squeeze', a, x.dims.length)));
    for (const a of set) if (x.dims[a] !== 1) throw new Error(`Squeeze: axis ${a} of ${shape(x.dims)} has size ${x.dims[a]}, not 1`);
    return [{ elemType: x.elemType, dims: x.dims.filter((_, i) => !set.has(i)), data: x.data }];
  },
  Concat: (inputs, attrs) => {
    const xs = inputs.filter((v): v is OnnxValue => v !== null);
    const axis = normAxis('Concat', attrs.int('axis', 0), xs[0].dims.length);
    for (const v of xs) {
      if (v.dims.length !== xs[0].dims.length || v.dims.some((d, i) => i !== axis && d !== xs[0].dims[i])) {
        throw new Error(`Concat: shapes ${xs.map((t) => shape(t.dims)).join(', ')} differ outside axis ${axis}`);
      }
    }
    const dims = [...xs[0].dims];
    dims[axis] = xs.reduce((s, v) => s + v.dims[axis], 0);
    const out = like(xs[0], dims);
    const outer = sizeOfDims(dims.slice(0, axis)), inner = sizeOfDims(dims.slice(axis + 1));
    let at = 0;
    for (let o = 0; o < outer; o++) {
      for (const v of xs) {
        const len = v.dims[axis] * inner;
        out.data.set(v.data.subarray(o * len, (o + 1) * len), at);
        at += len;
      }
    }
    return [out];
  },
  ConstantOfShape: (inputs, attrs) => {
    const dims = ints(need('ConstantOfShape', inputs, 0, 'shape'));
    const fill = attrs.has('value') ? valueFromTensorProto(attrs.tensor('value'), 'ConstantOfShape value') : floatValue([1], new Float32Array(1));
    const out = like(fill, dims);
    out.data.fill(fill.data[0]);
    return [out];
  },
  Expand: (inputs) => {
    const x = need('Expand', inputs, 0, 'input');
    const dims = broadcastDims('Expand', x.dims, ints(need('Expand', inputs, 1, 'shape')));
    return elementwise('Expand', (_zero, v) => v)([like(x, dims), x], new Attributes([], 'Expand'), 0);
  },
  Slice: (inputs) => {
    const x = need('Slice', inputs, 0, 'data');
    const starts = ints(need('Slice', inputs, 1, 'starts')), ends = ints(need('Slice', inputs, 2, 'ends'));
    const axes = inputs[3] ? ints(inputs[3]).map((a) => normAxis('Slice', a, x.dims.length)) : starts.map((_, i) => i);
    const steps = inputs[4] ? ints(inputs[4]) : starts.map(() => 1);
    const begin = x.dims.map(() => 0), step = x.dims.map(() => 1), dims = [...x.dims];
    axes.forEach((a, i) => {
      const n = x.dims[a], s = steps[i];
      if (s === 0) throw new Error('Slice: a step of 0 is not allowed');
      const clampIdx = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v < 0 ? v + n : v));
      const b = s > 0 ? clampIdx(starts[i], 0, n) : clampIdx(starts[i], -1, n - 1);
      const e = s > 0 ? clampIdx(ends[i], 0, n) : clampIdx(ends[i], -1, n - 1);
      begin[a] = b; step[a] = s;
      dims[a] = Math.max(0, Math.ceil((e - b) / s));
    });
    const st = strides(x.dims);
    return [remap(x, dims, (idx) => idx.reduce((off, v, k) => off + (begin[k] + v * step[k]) * st[k], 0))];
  },
  Transpose: (inputs, attrs) => {
    const x = need('Transpose', inputs, 0, 'data');
    return [transpose(x, attrs.has('perm') ? attrs.ints('perm') : x.dims.map((_, i) => x.dims.length - 1 - i))];
  },
  Reshape: (inputs, attrs) => [reshape(need('Reshape', inputs, 0, 'data'), ints(need('Reshape', inputs, 1, 'shape')), attrs.int('allowzero', 0) === 1)],
  Flatten: (inputs, attrs) => {
    const x = need('Flatten', inputs, 0, 'input');
    const axis = attrs.int('axis', 1), a = axis < 0 ? axis + x.dims.length : axis;
    return [reshape(x, [sizeOfDims(x.dims.slice(0, a)), sizeOfDims(x.dims.slice(a))], false)];
  },
  Add: elementwise('Add', (a, b) => a + b),
  Sub: elementwise('Sub', (a, b) => a - b),
  Mul: elementwise('Mul', (a, b) => a * b),
  Div: elementwise('Div', (a, b) => a / b),
  MatMul: (inputs) => {
    const a = need('MatMul', inputs, 0, 'A'), b = need('MatMul', inputs, 1, 'B');
    if (!isFloat(a) || !isFloat(b)) throw new Error('MatMul: only float32 inputs are supported');
    if (b.dims.length !== 2 || a.dims.length < 1) throw new Error(`MatMul: supported for A [..., K] · B [K, N] only, got A ${shape(a.dims)}, B ${shape(b.dims)}`);
    const [K, N] = b.dims;
    if (a.dims[a.dims.length - 1] !== K) throw new Error(`MatMul: A ${shape(a.dims)} has ${a.dims[a.dims.length - 1]} columns but B ${shape(b.dims)} has ${K} rows`);
    const M = a.data.length / K;
    return [floatValue([...a.dims.slice(0, -1), N], gemm2d(a.data as Float32Array, b.data as Float32Array, M, N, K, false, false))];
  },
  Gemm: (inputs, attrs) => {
    const a = need('Gemm', inputs, 0, 'A'), b = need('Gemm', inputs, 1, 'B'), c = inputs[2];
    const tA = attrs.int('transA', 0) === 1, tB = attrs.int('transB', 0) === 1;
    const alpha = attrs.float('alpha', 1), beta = attrs.float('beta', 1);
    if (a.dims.length !== 2 || b.dims.length !== 2) throw new Error(`Gemm: A and B must be 2-D, got ${shape(a.dims)} and ${shape(b.dims)}`);
    const M = tA ? a.dims[1] : a.dims[0], K = tA ? a.dims[0] : a.dims[1];
    const N = tB ? b.dims[0] : b.dims[1], Kb = tB ? b.dims[1] : b.dims[0];
    if (K !== Kb) throw new Error(`Gemm: inner sizes differ: A ${shape(a.dims)}${tA ? 'ᵀ' : ''} · B ${shape(b.dims)}${tB ? 'ᵀ' : ''}`);
    const y = gemm2d(a.data as Float32Array, b.data as Float32Array, M, N, K, tA, tB);
    if (alpha !== 1) for (let i = 0; i < y.length; i++) y[i] *= alpha;
    let out = floatValue([M, N], y);
    if (c) out = elementwise('Gemm', (p, q) => p + beta * q)([out, c], attrs, 0)[0];
    return [out];
  },
  Softmax: softmax(false),
  LogSoftmax: softmax(true),
};
