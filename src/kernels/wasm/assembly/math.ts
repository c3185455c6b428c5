import { madd } from './gemm';

// Vectorised float32 transcendentals on f32x4 lanes (Cephes single-precision polynomials):
// exp to ~1 ulp over the whole float range, tanh and sigmoid built on it. Every cell and
// softmax kernel calls these, so they are inlined into the loops. The polynomials' steps are
// fused multiply-adds in the relaxed-SIMD build: the cells wait on these chains (latency, not
// throughput, bounds an LSTM step's cell), and fusing halves them.

// @ts-ignore: decorator
@inline const LOG2E: f32 = 1.44269504088896341;
// ln 2 split in two so that n·ln2 is subtracted without rounding error (Cody-Waite).
// @ts-ignore: decorator
@inline const LN2_HI: f32 = 0.693359375;
// @ts-ignore: decorator
@inline const LN2_LO: f32 = -2.12194440e-4;
// 1.5·2^23: adding it rounds any |v| < 2^22 to an integer; ROUNDER_BITS is its bit pattern.
// @ts-ignore: decorator
@inline const ROUNDER: f32 = 12582912.0;
// @ts-ignore: decorator
@inline const ROUNDER_BITS: i32 = 0x4B400000;
// Largest and smallest x whose exp is a normal float.
// @ts-ignore: decorator
@inline const EXP_HI: f32 = 88.3762626647949;
// @ts-ignore: decorator
@inline const EXP_LO: f32 = -87.3365447505531;

/** exp(x) per lane; inputs below EXP_LO give 0, above EXP_HI give +inf, NaN stays NaN. */
// @ts-ignore: decorator
@inline export function expV(x: v128): v128 {
  // pmin/pmax (one instruction each on x64, where min/max take seven to get NaN and -0 right):
  // they differ from min/max only on NaN lanes, which are put back at the end.
  const xc = f32x4.pmax(f32x4.pmin(x, f32x4.splat(EXP_HI)), f32x4.splat(EXP_LO));
  // Round to the nearest integer, ties to even (as f32x4.nearest), by adding 1.5·2^23: the sum's
  // last mantissa bits are then n itself, so no float-to-int conversion is needed either.
  const shifted = f32x4.add(f32x4.mul(xc, f32x4.splat(LOG2E)), f32x4.splat(ROUNDER));
  const fx = f32x4.sub(shifted, f32x4.splat(ROUNDER));
  let r = f32x4.sub(xc, f32x4.mul(fx, f32x4.splat(LN2_HI)));
  r = f32x4.sub(r, f32x4.mul(fx, f32x4.splat(LN2_LO)));
  const z = f32x4.mul(r, r);
  let p = f32x4.splat(1.9875691500e-4);
  p = madd(p, r, f32x4.splat(1.3981999507e-3));
  p = madd(p, r, f32x4.splat(8.3334519073e-3));
  p = madd(p, r, f32x4.splat(4.1665795894e-2));
  p = madd(p, r, f32x4.splat(1.6666665459e-1));
  p = madd(p, r, f32x4.splat(5.0000001201e-1));
  p = f32x4.add(madd(p, z, r), f32x4.splat(1.0));
  // 2^n built in the exponent field; n is in [-126, 127] after the clamp.
  const pow2n = i32x4.shl(i32x4.sub(shifted, i32x4.splat(ROUNDER_BITS - 127)), 23);
  let y = f32x4.mul(p, pow2n);
  y = v128.bitselect(f32x4.splat(0), y, f32x4.lt(x, f32x4.splat(EXP_LO)));
  y = v128.bitselect(f32x4.splat(Infinity), y, f32x4.gt(x, f32x4.splat(EXP_HI)));
  // NaN lanes: min/max above may have turned them into numbers; put the NaN back.
  return v128.bitselect(x, y, f32x4.ne(x, x));
}

/** 1 / (1 + exp(-x)): exp(-x) overflowing to inf gives exactly 0, so no branch is needed. */
// @ts-ignore: decorator
@inline export function sigmoidV(x: v128): v128 {
  return f32x4.div(f32x4.splat(1.0), f32x4.add(f32x4.splat(1.0), expV(f32x4.neg(x))));
}

/**
 * tanh per lane: an odd polynomial for |x| < 0.625 (where 1 - 2/(e^2x + 1) would cancel),
 * otherwise 1 - 2/(e^2|x| + 1) with the sign of x put back.
 */
// @ts-ignore: decorator
@inline export function tanhV(x: v128): v128 {
  const a = f32x4.abs(x);
  const z = f32x4.mul(x, x);
  let p = f32x4.splat(-5.70498872745e-3);
  p = madd(p, z, f32x4.splat(2.06390887954e-2));
  p = madd(p, z, f32x4.splat(-5.37397155531e-2));
  p = madd(p, z, f32x4.splat(1.33314422036e-1));
  p = madd(p, z, f32x4.splat(-3.33332819422e-1));
  const small = madd(f32x4.mul(p, z), x, x);
  const e = expV(f32x4.add(a, a));
  const bigAbs = f32x4.sub(f32x4.splat(1.0), f32x4.div(f32x4.splat(2.0), f32x4.add(e, f32x4.splat(1.0))));
  const signBit = v128.and(x, i32x4.splat(0x80000000));
  const big = v128.or(bigAbs, signBit);
  const r = v128.bitselect(small, big, f32x4.lt(a, f32x4.splat(0.625)));
  return v128.bitselect(x, r, f32x4.ne(x, x));
}
