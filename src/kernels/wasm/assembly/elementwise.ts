import { expV, sigmoidV, tanhV } from './math';
import { hsum, ld, st } from './lanes';

// Elementwise kernels on float32 buffers (pointers into linear memory). Shapes as in
// src/kernels/kernels.ts. Activation codes: 0 tanh, 1 sigmoid, 2 relu, 3 leaky_relu, 4 identity.

// @ts-ignore: decorator
@inline export function activateV(act: i32, slope: f32, v: v128): v128 {
  if (act == 0) return tanhV(v);
  if (act == 1) return sigmoidV(v);
  // relu keeps NaN (as PyTorch does): it zeroes the lanes <= 0 rather than keeping those > 0.
  if (act == 2) return v128.andnot(v, f32x4.le(v, f32x4.splat(0)));
  const positive = f32x4.gt(v, f32x4.splat(0));
  if (act == 3) return v128.bitselect(v, f32x4.mul(v, f32x4.splat(slope)), positive);
  return v;
}

/** act'(x) written in terms of y = act(x). */
// @ts-ignore: decorator
@inline export function gradFromOutputV(act: i32, slope: f32, y: v128): v128 {
  const one = f32x4.splat(1.0);
  if (act == 0) return f32x4.sub(one, f32x4.mul(y, y));
  if (act == 1) return f32x4.mul(y, f32x4.sub(one, y));
  const positive = f32x4.gt(y, f32x4.splat(0));
  if (act == 2) return v128.and(one, positive);
  if (act == 3) return v128.bitselect(one, f32x4.splat(slope), positive);
  return one;
}

// y = act(x) over n values.
export function activationForward(act: i32, slope: f32, n: i32, x: usize, y: usize): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, activateV(act, slope, v128.load(x + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    st(y + o, activateV(act, slope, ld(x + o, false)), false);
  }
}

// @ts-ignore: decorator
@inline function activationBackwardLanes(act: i32, slope: f32, o: usize, y: usize, dy: usize, dx: usize,
  accumulate: bool, wide: bool): void {
  let g = f32x4.mul(ld(dy + o, wide), gradFromOutputV(act, slope, ld(y + o, wide)));
  if (accumulate) g = f32x4.add(ld(dx + o, wide), g);
  st(dx + o, g, wide);
}

// dx (+)= dy * act'(y) over n values.
export function activationBackward(act: i32, slope: f32, n: i32, y: usize, dy: usize, dx: usize, accumulate: bool): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) activationBackwardLanes(act, slope, <usize>i << 2, y, dy, dx, accumulate, true);
  for (; i < n; i++) activationBackwardLanes(act, slope, <usize>i << 2, y, dy, dx, accumulate, false);
}

// y: [rows, cols] += bias: [cols] on every row.
export function addRowVector(rows: i32, cols: i32, bias: usize, y: usize): void {
  for (let r = 0; r < rows; r++) {
    const row = y + ((<usize>r * cols) << 2);
    let c = 0;
    for (; c + 4 <= cols; c += 4) {
      const o = <usize>c << 2;
      v128.store(row + o, f32x4.add(v128.load(row + o), v128.load(bias + o)));
    }
    for (; c < cols; c++) {
      const o = <usize>c << 2;
      store<f32>(row + o, load<f32>(row + o) + load<f32>(bias + o));
    }
  }
}

// out: [cols] += column sums of x: [rows, cols].
export function sumRowsInto(rows: i32, cols: i32, x: usize, out: usize): void {
  sumColumns(rows, cols, 0, cols, x, out);
}

// out[c] += Σ_r x[r, c] for c in [c0, c1) (x has ld columns): one thread's share. Row by row
// into out, as the reference does (so float32 results are the same bit for bit): x, usually
// large and far from the cache (a recurrent layer's gate gradients), is then read in order,
// while out stays in L1. Summing down the columns in registers (4 or 32 at a time) read a few
// bytes of each row per pass and ran two to three times slower; so did taking four rows per pass.
export function sumColumns(rows: i32, ld: i32, c0: i32, c1: i32, x: usize, out: usize): void {
  const first = <usize>c0 << 2;
  for (let r = 0; r < rows; r++) addRowVector(1, c1 - c0, x + ((<usize>r * ld) << 2) + first, out + first);
}

export function rowMax(cols: i32, row: usize): f32 {
  let m = f32x4.splat(-Infinity);
  let c = 0;
  for (; c + 4 <= cols; c += 4) m = f32x4.max(m, v128.load(row + (<usize>c << 2)));
  let best = max(max(f32x4.extract_lane(m, 0), f32x4.extract_lane(m, 1)), max(f32x4.extract_lane(m, 2), f32x4.extract_lane(m, 3)));
  for (; c < cols; c++) best = max(best, load<f32>(row + (<usize>c << 2)));
  return best;
}

// Σ exp(x - mx) over a row; with `write`, also writes each exp(x - mx) to y.
// @ts-ignore: decorator
@inline function rowExpSum(cols: i32, x: usize, y: usize, mx: f32, write: bool): f32 {
  const m = f32x4.splat(mx);
  let s = f32x4.splat(0);
  let c = 0;
  for (; c + 4 <= cols; c += 4) {
    const o = <usize>c << 2;
    const e = expV(f32x4.sub(v128.load(x + o), m));
    if (write) v128.store(y + o, e);
    s = f32x4.add(s, e);
  }
  for (; c < cols; c++) {
    const o = <usize>c << 2;
    const e = expV(f32x4.sub(v128.load32_zero(x + o), m));
    if (write) v128.store32_lane(y + o, e, 0);
    s = f32x4.add(s, v128.and(e, i32x4(-1, 0, 0, 0)));
  }
  return hsum(s);
}

// y[r,:] = softmax(x[r,:]), x and y: [rows, cols] (may alias).
export function softmaxRows(rows: i32, cols: i32, x: usize, y: usize): void {
  for (let r = 0; r < rows; r++) {
    const off = (<usize>r * cols) << 2;
    const mx = rowMax(cols, x + off);
    const inv = f32x4.splat(<f32>(1.0 / <f64>rowExpSum(cols, x + off, y + off, mx, true)));
    let c = 0;
    for (; c + 4 <= cols; c += 4) {
      const o = off + (<usize>c << 2);
      v128.store(y + o, f32x4.mul(v128.load(y + o), inv));
    }
    for (; c < cols; c++) {
      const o = off + (<usize>c << 2);
      store<f32>(y + o, load<f32>(y + o) * f32x4.extract_lane(inv, 0));
    }
  }
}

// y[r,:] = x[r,:] - log Σ exp(x[r,:]), x and y: [rows, cols] (may alias).
export function logSoftmaxRows(rows: i32, cols: i32, x: usize, y: usize): void {
  for (let r = 0; r < rows; r++) {
    const off = (<usize>r * cols) << 2;
    const mx = rowMax(cols, x + off);
    // (x - max) - log Σ: subtracting the max first keeps huge logits exact in float32.
    const logSum = <f32>Math.log(<f64>rowExpSum(cols, x + off, 0, mx, false));
    const m = f32x4.splat(mx), l = f32x4.splat(logSum);
    let c = 0;
    for (; c + 4 <= cols; c += 4) {
      const o = off + (<usize>c << 2);
      v128.store(y + o, f32x4.sub(f32x4.sub(v128.load(x + o), m), l));
    }
    for (; c < cols; c++) {
      const o = off + (<usize>c << 2);
      store<f32>(y + o, (load<f32>(x + o) - mx) - logSum);
    }
  }
}
