import { kernels } from '../../kernels/backend.js';
import { record } from '../autograd.js';
import { Tensor, allocate, shapeString, sizeOf } from '../tensor.js';

// Shape-level and elementwise ops that every model needs.

/** The same data under another shape (one dimension may be -1). Gradients flow through. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const free = shape.indexOf(-1);
  let full = [...shape];
  if (free >= 0) {
    const known = sizeOf(shape.filter((_, i) => i !== free));
    full[free] = known === 0 ? 0 : x.size / known;
  }
  if (sizeOf(full) !== x.size || full.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new Error(`reshape: cannot view ${shapeString(x.shape)} (${x.size} values) as ${shapeString(shape)}`);
  }
  const out = new Tensor(x.data, full);
  return record(out, 'reshape', [x], (g) => {
    const dx = x.gradBuffer();
    for (let i = 0; i < dx.length; i++) dx[i] += g[i];
  });
}

/** Elementwise a + b of equal shapes. */
export function add(a: Tensor, b: Tensor): Tensor {
  assertSameShape('add', a, b);
  const y = allocate(a.dtype, a.size);
  for (let i = 0; i < y.length; i++) y[i] = a.data[i] + b.data[i];
  return record(new Tensor(y, a.shape), 'add', [a, b], (g) => {
    for (const t of [a, b]) {
      if (!t.requiresGrad) continue;
      const d = t.gradBuffer();
      for (let i = 0; i < d.length; i++) d[i] += g[i];
    }
  });
}

/** x * s for a constant s. */
export function scale(x: Tensor, s: number): Tensor {
  const y = allocate(x.dtype, x.size);
  for (let i = 0; i < y.length; i++) y[i] = x.data[i] * s;
  return record(new Tensor(y, x.shape), 'scale', [x], (g) => {
    const d = x.gradBuffer();
    for (let i = 0; i < d.length; i++) d[i] += g[i] * s;
  });
}

/** Sum of all values, a scalar. */
export function sum(x: Tensor): Tensor {
  let s = 0;
  for (let i = 0; i < x.size; i++) s += x.data[i];
  const y = allocate(x.dtype, 1);
  y[0] = s;
  return record(new Tensor(y, []), 'sum', [x], (g) => {
    const d = x.gradBuffer();
    for (let i = 0; i < d.length; i++) d[i] += g[0];
  });
}

/** Elementwise product with a constant tensor of the same shape (no gradient to the weights). */
export function weightedSum(x: Tensor, weights: Tensor): Tensor {
  assertSameShape('weightedSum', x, weights);
  let s = 0;
  for (let i = 0; i < x.size; i++) s += x.data[i] * weights.data[i];
  const y = allocate(x.dtype, 1);
  y[0] = s;
  return record(new Tensor(y, []), 'weightedSum', [x], (g) => {
    const d = x.gradBuffer();
    for (let i = 0; i < d.length; i++) d[i] += g[0] * weights.data[i];
  });
}

/** Concatenates along the last dimension; all other dimensions must agree. */
export function concatLast(xs: readonly Tensor[]): Tensor {
  if (xs.length === 0) throw new Error('concatLast: no tensors');
  const lead = xs[0].shape.slice(0, -1);
  for (const t of xs) {
    if (t.rank !== xs[0].rank || t.shape.slice(0, -1).some((d, i) => d !== lead[i])) {
      throw new Error(`concatLast: shapes ${xs.map((u) => shapeString(u.shape)).join(', ')} differ outside the last dimension`);
    }
  }
  const rows = sizeOf(lead);
  const widths = xs.map((t) => t.shape[t.rank - 1]);
  const W = widths.reduce((a, b) => a + b, 0);
  const y = allocate(xs[0].dtype, rows * W);
  let off = 0;
  xs.forEach((t, k) => {
    const w = widths[k];
    for (let r = 0; r < rows; r++) y.set(t.data.subarray(r * w, r * w + w), r * W + off);
    off += w;
  });
  return record(new Tensor(y, [...lead, W]), 'concatLast', xs, (g) => {
    let o = 0;
    xs.forEach((t, k) => {
      const w = widths[k];
      if (t.requiresGrad) {
        const d = t.gradBuffer();
        for (let r = 0; r < rows; r++) for (let c = 0; c < w; c++) d[r * w + c] += g[r * W + o + c];
      }
      o += w;
    });
  });
}

/** Swaps the first two dimensions: [A, B, ...rest] -> [B, A, ...rest] (batch-first <-> time-major). */
export function transpose01(x: Tensor): Tensor {
  if (x.rank < 2) throw new Error(`transpose01: need at least 2 dimensions, got ${shapeString(x.shape)}`);
  const [A, B] = x.shape;
  const inner = sizeOf(x.shape.slice(2));
  const y = allocate(x.dtype, x.size);
  swap01(A, B, inner, x.data, y, false);
  return record(new Tensor(y, [B, A, ...x.shape.slice(2)]), 'transpose01', [x], (g) => {
    swap01(B, A, inner, g, x.gradBuffer(), true);
  });
}

function swap01(A: number, B: number, inner: number, src: Float32Array | Float64Array,
  dst: Float32Array | Float64Array, accumulate: boolean): void {
  for (let a = 0; a < A; a++) {
    for (let b = 0; b < B; b++) {
      const s = (a * B + b) * inner, d = (b * A + a) * inner;
      for (let i = 0; i < inner; i++) dst[d + i] = accumulate ? dst[d + i] + src[s + i] : src[s + i];
    }
  }
}

/** An elementwise nonlinearity. */
export function activation(x: Tensor, act: 'tanh' | 'sigmoid' | 'relu' | 'leaky_relu', slope = 0.01): Tensor {
  const k = kernels();
  const y = allocate(x.dtype, x.size);
  k.activationForward(act, slope, x.size, x.data, y);
  return record(new Tensor(y, x.shape), act, [x], (g) => {
    k.activationBackward(act, slope, x.size, y, g, x.gradBuffer(), true);
  });
}

export function assertSameShape(op: string, a: Tensor, b: Tensor): void {
  if (a.rank !== b.rank || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new Error(`${op}: shapes differ, ${shapeString(a.shape)} vs ${shapeString(b.shape)}`);
  }
}

/**
 * A contiguous piece of x's data seen as a new tensor: values [offset, offset + size(shape)).
 * Used to hand out the several results of one coarse op (a recurrent layer's output and states).
 */
export function sliceFlat(x: Tensor, offset: number, shape: readonly number[]): Tensor {
  const n = sizeOf(shape);
  if (offset < 0 || offset + n > x.size) {
    throw new Error(`sliceFlat: [${offset}, ${offset + n}) is outside a tensor of ${x.size} values`);
  }
  const out = new Tensor(x.data.subarray(offset, offset + n), shape);
  return record(out, 'slice', [x], (g) => {
    const d = x.gradBuffer();
    for (let i = 0; i < n; i++) d[offset + i] += g[i];
  });
}

/** x[i] along the first dimension: [N, ...rest] -> [...rest]. */
export function select0(x: Tensor, i: number): Tensor {
  const inner = x.size / x.shape[0];
  return sliceFlat(x, i * inner, x.shape.slice(1));
}

/** Stacks equal shapes along a new first dimension: k x [...s] -> [k, ...s]. */
export function stack0(xs: readonly Tensor[]): Tensor {
  if (xs.length === 0) throw new Error('stack0: no tensors');
  for (const t of xs) assertSameShape('stack0', xs[0], t);
  const n = xs[0].size;
  const y = allocate(xs[0].dtype, n * xs.length);
  xs.forEach((t, k) => y.set(t.data, k * n));
  return record(new Tensor(y, [xs.length, ...xs[0].shape]), 'stack0', xs, (g) => {
    xs.forEach((t, k) => {
      if (!t.requiresGrad) return;
      const d = t.gradBuffer();
      for (let i = 0; i < n; i++) d[i] += g[k * n + i];
    });
  });
}
