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

// c - x·y: one fused instruction in the relaxed-SIMD build (see madd).
// @ts-ignore: decorator
@inline function nmadd(x: v128, y: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_nmadd(x, y, c);
  return f32x4.sub(c, f32x4.mul(x, y));
}

// The cells' sigmoid and tanh share one exp core without expV's fix-ups for out-of-range and
// NaN lanes (three selects on the cells' critical path): their inputs are clamped so that 2^n
// stays a normal number, and a NaN passes the clamps (pmin/pmax keep their first operand when
// either is NaN) and then every arithmetic step. Both need e^y for y = -v with v at hand, so the
// core takes v and works with s = -r, which saves negating (three instructions in V8, with
// the sign mask rebuilt each time). The cells are bound by these chains' latency (the out-of-
// order window holds only a few 4-lane steps), so the chains are kept short: Estrin's scheme
// for the polynomial, and constants folded in off the chain.

// @ts-ignore: decorator
@inline const SIGN_BIT: i32 = 0x80000000;

/** n = round(-v·log2 e), held in the low mantissa bits of n + 1.5·2^23 (as in expV). */
// @ts-ignore: decorator
@inline function roundedNegLog2e(v: v128): v128 {
  return madd(v, f32x4.splat(-LOG2E), f32x4.splat(ROUNDER));
}

/**
 * 1 - e^r for r = -v - n·ln2 (n from roundedNegLog2e(v), passed as `shifted`); -expm1(r), so
 * there is no cancellation near r = 0. expV's polynomial with r = -s, s = v + n·ln2.
 */
// @ts-ignore: decorator
@inline function oneMinusExpReduced(v: v128, shifted: v128): v128 {
  const fx = f32x4.sub(shifted, f32x4.splat(ROUNDER));
  let s = madd(fx, f32x4.splat(LN2_HI), v);
  s = madd(fx, f32x4.splat(LN2_LO), s);
  const s2 = f32x4.mul(s, s);
  // p(r) = Σ a_k r^k in pairs (Estrin): the odd terms change sign with r = -s.
  const p01 = nmadd(s, f32x4.splat(1.6666665459e-1), f32x4.splat(5.0000001201e-1));
  const p23 = nmadd(s, f32x4.splat(8.3334519073e-3), f32x4.splat(4.1665795894e-2));
  const p45 = nmadd(s, f32x4.splat(1.9875691500e-4), f32x4.splat(1.3981999507e-3));
  const p = madd(s2, madd(s2, p45, p23), p01);
  // -(r + p r²)
  return nmadd(p, s2, s);
}

/** 2^n for the n that roundedNegLog2e put in `shifted` (n in [-126, 127]). */
// @ts-ignore: decorator
@inline function pow2(shifted: v128): v128 {
  return i32x4.shl(i32x4.sub(shifted, i32x4.splat(ROUNDER_BITS - 127)), 23);
}

/**
 * 1 / (1 + e^-x), with e^-x = 2^n (1 + expm1(r)). -x is clamped to expV's normal range: x below
 * -88.3 gives 1/(1 + e^88.37) ~ 4e-39 instead of a smaller subnormal or 0, far below any
 * tolerance; x above 87.3 gives exactly 1.
 */
// @ts-ignore: decorator
@inline export function sigmoidV(x: v128): v128 {
  const v = f32x4.pmax(f32x4.pmin(x, f32x4.splat(-EXP_LO)), f32x4.splat(-EXP_HI));
  const shifted = roundedNegLog2e(v);
  const scale = pow2(shifted);
  // 1 + 2^n (1 + expm1(r)), with 1 + 2^n formed off the chain.
  const denominator = nmadd(scale, oneMinusExpReduced(v, shifted), f32x4.add(scale, f32x4.splat(1.0)));
  return f32x4.div(f32x4.splat(1.0), denominator);
}

// tanh(10) rounds to 1 in float32; clamping there keeps 2^n far from the subnormals.
// @ts-ignore: decorator
@inline const TANH_CLAMP: f32 = 10.0;

/**
 * tanh per lane as -m / (2 + m), m = expm1(-2|x|) = 2^n expm1(r) + (2^n - 1), then the sign
 * of x put back: one path for every x (no polynomial for small |x|: expm1 keeps full relative
 * precision there, since n = 0) and one division. Within about 2.5 ulp of the float64 tanh.
 */
// @ts-ignore: decorator
@inline export function tanhV(x: v128): v128 {
  const sign = i32x4.splat(SIGN_BIT);
  const t = f32x4.pmin(v128.andnot(x, sign), f32x4.splat(TANH_CLAMP));
  // -2t·log2(e) straight from t: 2t is needed only later, off the chain.
  const shifted = madd(t, f32x4.splat(-2.0 * LOG2E), f32x4.splat(ROUNDER));
  const scale = pow2(shifted);
  // -m, in [0, 1).
  const negM = madd(scale, oneMinusExpReduced(f32x4.add(t, t), shifted), f32x4.sub(f32x4.splat(1.0), scale));
  const magnitude = f32x4.div(negM, f32x4.sub(f32x4.splat(2.0), negM));
  return v128.or(magnitude, v128.and(x, sign));
}
