import { rowMax } from './elementwise';
import { expV } from './math';
import { hsum, ld, st } from './lanes';

// Softmax cross-entropy (src/kernels/kernels.ts TrainingKernels, reference src/kernels/js/losses.ts).
// Per kept row with a = (1 - ε)·m·w[y], b = ε / C·m and W = Σ_c w_c:
//   loss = a·(-logp_y) + b·Σ_c w_c·(-logp_c),  grad_k = a·(p_k - [k = y]) + b·(W·p_k - w_k),
// with -logp_c = log Σ exp(x - max) - (x_c - max) >= 0, so the smoothing sum never cancels.
// The host has checked the kept rows' targets. mask, weight, grad: 0 when absent.

// Keeps lane 0 of a one-lane tail (the other lanes hold values computed from zeros).
// @ts-ignore: decorator
@inline function firstLane(v: v128, wide: bool): v128 {
  return wide ? v : v128.and(v, i32x4(-1, 0, 0, 0));
}

// Σ exp(x - mx) over the row, each term also written to gr when gr is not 0.
// @ts-ignore: decorator
@inline function expLanes(o: usize, x: usize, gr: usize, mx: v128, wide: bool): v128 {
  const e = expV(f32x4.sub(ld(x + o, wide), mx));
  if (gr) st(gr + o, e, wide);
  return firstLane(e, wide);
}

// w_c·(-logp_c) (w = 1 without weights).
// @ts-ignore: decorator
@inline function smoothLanes(o: usize, x: usize, weight: usize, mx: v128, logSum: v128, wide: bool): v128 {
  const nlp = f32x4.sub(logSum, f32x4.sub(ld(x + o, wide), mx));
  return firstLane(weight ? f32x4.mul(ld(weight + o, wide), nlp) : nlp, wide);
}

// @ts-ignore: decorator
@inline function gradLanes(o: usize, gr: usize, weight: usize, inv: v128, aPlusBW: v128, b: v128, wide: bool): void {
  const p = f32x4.mul(ld(gr + o, wide), inv);
  const w = weight ? ld(weight + o, wide) : f32x4.splat(1.0);
  st(gr + o, f32x4.sub(f32x4.mul(aPlusBW, p), f32x4.mul(b, w)), wide);
}

export function crossEntropyForward(N: i32, C: i32, logits: usize, targets: usize, ignoreIndex: i32, mask: usize,
  weight: usize, oneMinusSmoothing: f32, smoothingOverC: f32, loss: usize, grad: usize): void {
  let weightSum: f64 = C;
  if (weight) {
    weightSum = 0;
    for (let c = 0; c < C; c++) weightSum += <f64>load<f32>(weight + (<usize>c << 2));
  }
  const W = <f32>weightSum;
  const rowBytes = <usize>C << 2;
  for (let r = 0; r < N; r++) {
    const x = logits + <usize>r * rowBytes;
    const gr: usize = grad ? grad + <usize>r * rowBytes : 0;
    const y = load<i32>(targets + (<usize>r << 2));
    const m: f32 = mask ? load<f32>(mask + (<usize>r << 2)) : 1.0;
    if (y == ignoreIndex || m == 0) {
      store<f32>(loss + (<usize>r << 2), 0);
      if (gr) memory.fill(gr, 0, rowBytes);
      continue;
    }
    const mxs = rowMax(C, x);
    const mx = f32x4.splat(mxs);
    let sums = f32x4.splat(0);
    let c = 0;
    for (; c + 4 <= C; c += 4) sums = f32x4.add(sums, expLanes(<usize>c << 2, x, gr, mx, true));
    for (; c < C; c++) sums = f32x4.add(sums, expLanes(<usize>c << 2, x, gr, mx, false));
    const sum = hsum(sums);
    const logSum = <f32>Math.log(<f64>sum);
    const yOff = <usize>y << 2;
    const a = oneMinusSmoothing * m * (weight ? load<f32>(weight + yOff) : <f32>1.0);
    const b = smoothingOverC * m;
    let rowLoss = a * (logSum - (load<f32>(x + yOff) - mxs));
    if (smoothingOverC > 0) {
      const ls = f32x4.splat(logSum);
      let smooth = f32x4.splat(0);
      c = 0;
      for (; c + 4 <= C; c += 4) smooth = f32x4.add(smooth, smoothLanes(<usize>c << 2, x, weight, mx, ls, true));
      for (; c < C; c++) smooth = f32x4.add(smooth, smoothLanes(<usize>c << 2, x, weight, mx, ls, false));
      rowLoss += b * hsum(smooth);
    }
    store<f32>(loss + (<usize>r << 2), rowLoss);
    if (!gr) continue;
    const inv = f32x4.splat(<f32>(1.0 / <f64>sum));
    const aPlusBW = f32x4.splat(a + b * W), bv = f32x4.splat(b);
    c = 0;
    for (; c + 4 <= C; c += 4) gradLanes(<usize>c << 2, gr, weight, inv, aPlusBW, bv, true);
    for (; c < C; c++) gradLanes(<usize>c << 2, gr, weight, inv, aPlusBW, bv, false);
    store<f32>(gr + yOff, load<f32>(gr + yOff) - a);
  }
}

// @ts-ignore: decorator
@inline function axpyLanes(o: usize, g: usize, dx: usize, s: v128, wide: bool): void {
  st(dx + o, f32x4.add(ld(dx + o, wide), f32x4.mul(s, ld(g + o, wide))), wide);
}

// dx[r, :] += scale · rowScale[r] · grad[r, :] (rowScale 0: 1).
export function crossEntropyBackward(N: i32, C: i32, grad: usize, rowScale: usize, scale: f32, dx: usize): void {
  const rowBytes = <usize>C << 2;
  for (let r = 0; r < N; r++) {
    const s = f32x4.splat(rowScale ? scale * load<f32>(rowScale + (<usize>r << 2)) : scale);
    const g = grad + <usize>r * rowBytes, d = dx + <usize>r * rowBytes;
    let c = 0;
    for (; c + 4 <= C; c += 4) axpyLanes(<usize>c << 2, g, d, s, true);
    for (; c < C; c++) axpyLanes(<usize>c << 2, g, d, s, false);
  }
}
