import { madd } from './gemm';
import { hsum } from './lanes';

// Products of a few rows by a row-major weight matrix, C = alpha·A·Wᵀ + beta·C, without packing:
// one dot product per output, four weight rows per pass (the x chunk is loaded once for all
// four) with two accumulators each. For a handful of rows this streams W exactly once, where
// the packed GEMM (./gemm.ts) would first read and write all of it to pack it.
// Every output is computed by the same instructions in the same order (two f32x4 sums over
// chunks of 8, a chunk of 4, hsum, then the scalar tail), whether it falls in a group of four
// or in the tail of a range: results do not depend on how rows are split between threads.

// @ts-ignore: decorator
@inline function finish(K: i32, k: i32, acc: v128, x: usize, w: usize): f32 {
  let s = hsum(acc);
  for (; k < K; k++) s += load<f32>(w + (<usize>k << 2)) * load<f32>(x + (<usize>k << 2));
  return s;
}

// @ts-ignore: decorator
@inline function put(c: usize, n: i32, alpha: f32, beta: f32, s: f32): void {
  const p = c + (<usize>n << 2);
  let v = alpha * s;
  // beta = 0 ignores what C held (even NaN), as BLAS does.
  if (beta != 0) v += beta * load<f32>(p);
  store<f32>(p, v);
}

/**
 * C[b, n] = alpha·(A[b, :]·W[n, :]) + beta·C[b, n] for b < nb and n in [n0, n1).
 * A: rows of K floats, lda apart; W: [*, K]; C: rows ldc apart (all strides in floats).
 */
export function rowsTimesWeightsT(nb: i32, K: i32, alpha: f32, A: usize, lda: i32, W: usize, n0: i32, n1: i32,
  beta: f32, C: usize, ldc: i32): void {
  const Kb = <usize>K << 2;
  for (let b = 0; b < nb; b++) {
    const x = A + ((<usize>b * lda) << 2), c = C + ((<usize>b * ldc) << 2);
    let n = n0;
    for (; n + 4 <= n1; n += 4) {
      const w0 = W + <usize>n * Kb, w1 = w0 + Kb, w2 = w1 + Kb, w3 = w2 + Kb;
      let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
      let e0 = f32x4.splat(0), e1 = f32x4.splat(0), e2 = f32x4.splat(0), e3 = f32x4.splat(0);
      let k = 0;
      for (; k + 8 <= K; k += 8) {
        const o = <usize>k << 2;
        const xl = v128.load(x + o), xh = v128.load(x + o, 16);
        a0 = madd(v128.load(w0 + o), xl, a0); e0 = madd(v128.load(w0 + o, 16), xh, e0);
        a1 = madd(v128.load(w1 + o), xl, a1); e1 = madd(v128.load(w1 + o, 16), xh, e1);
        a2 = madd(v128.load(w2 + o), xl, a2); e2 = madd(v128.load(w2 + o, 16), xh, e2);
        a3 = madd(v128.load(w3 + o), xl, a3); e3 = madd(v128.load(w3 + o, 16), xh, e3);
      }
      if (k + 4 <= K) {
        const o = <usize>k << 2;
        const xl = v128.load(x + o);
        a0 = madd(v128.load(w0 + o), xl, a0);
        a1 = madd(v128.load(w1 + o), xl, a1);
        a2 = madd(v128.load(w2 + o), xl, a2);
        a3 = madd(v128.load(w3 + o), xl, a3);
        k += 4;
      }
      put(c, n, alpha, beta, finish(K, k, f32x4.add(a0, e0), x, w0));
      put(c, n + 1, alpha, beta, finish(K, k, f32x4.add(a1, e1), x, w1));
      put(c, n + 2, alpha, beta, finish(K, k, f32x4.add(a2, e2), x, w2));
      put(c, n + 3, alpha, beta, finish(K, k, f32x4.add(a3, e3), x, w3));
    }
    for (; n < n1; n++) {
      const w0 = W + <usize>n * Kb;
      let a0 = f32x4.splat(0), e0 = f32x4.splat(0);
      let k = 0;
      for (; k + 8 <= K; k += 8) {
        const o = <usize>k << 2;
        a0 = madd(v128.load(w0 + o), v128.load(x + o), a0);
        e0 = madd(v128.load(w0 + o, 16), v128.load(x + o, 16), e0);
      }
      if (k + 4 <= K) {
        const o = <usize>k << 2;
        a0 = madd(v128.load(w0 + o), v128.load(x + o), a0);
        k += 4;
      }
      put(c, n, alpha, beta, finish(K, k, f32x4.add(a0, e0), x, w0));
    }
  }
}
