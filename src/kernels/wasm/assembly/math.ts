import { madd } from './gemm';

// Vectorised float32 transcendentals on f32x4 lanes: exp to ~1 ulp over the whole float range
// (Cephes single-precision polynomial), and the cells' tanh and sigmoid on a leaner exp core.
// Every cell and softmax kernel calls these, so they are inlined into the loops. The
// polynomials' steps are fused multiply-adds in the relaxed-SIMD build: the cells wait on these
// chains, and fusing halves them.

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
// the sign mask rebuilt each time). An LSTM step's cell waits on these chains and is bound by
// how many of their instructions the out-of-order window holds, so they are kept short and
// few: Estrin's scheme for a polynomial one term shorter than expV's, 2^n one shift away, and
// constants folded in off the chain.

// @ts-ignore: decorator
@inline const SIGN_BIT: i32 = 0x80000000;
// 1.5·2^23 + 127: adding it rounds as ROUNDER does and leaves n + 127, the biased exponent of
// 2^n, in the low mantissa bits.
// @ts-ignore: decorator
@inline const ROUNDER_BIASED: f32 = 12583039.0;
// ln 2 rounded to float32, for n·ln2 in one fused step (see oneMinusExpReduced).
// @ts-ignore: decorator
@inline const LN2: f32 = 0.693147180559945309;

// expm1(r) = r + r² (A0 + A1 r + A2 r² + A3 r³ + A4 r⁴) for |r| <= ln2 / 2 within 1.4e-8 relative
// (weighted minimax, the coefficients fitted as float32 one after the other). expV's Cephes
// polynomial has one term more for 2e-9, more than float32 results need.
// @ts-ignore: decorator
@inline const EXPM1_A0: f32 = 4.9999997020e-01;
// @ts-ignore: decorator
@inline const EXPM1_A1: f32 = 1.6666546464e-01;
// @ts-ignore: decorator
@inline const EXPM1_A2: f32 = 4.1667435318e-02;
// @ts-ignore: decorator
@inline const EXPM1_A3: f32 = 8.3662616089e-03;
// @ts-ignore: decorator
@inline const EXPM1_A4: f32 = 1.3870656257e-03;

/** round(-v·log2 e) + 127, held in the low mantissa bits (as in expV). */
// @ts-ignore: decorator
@inline function roundedNegLog2e(v: v128): v128 {
  return madd(v, f32x4.splat(-LOG2E), f32x4.splat(ROUNDER_BIASED));
}

/** 2^n for the n that roundedNegLog2e put in `shifted` (n in [-126, 127]). */
// @ts-ignore: decorator
@inline function pow2(shifted: v128): v128 {
  // The rounder's own mantissa bits all lie above bit 8: the shift leaves (n + 127) << 23.
  return i32x4.shl(shifted, 23);
}

/**
 * 1 - e^r for r = -v - n·ln2 (n from `shifted`, as roundedNegLog2e makes it); -expm1(r), so
 * there is no cancellation near r = 0. Works with s = -r = v + n·ln2. `oneStep` (tanh: |n| <= 29)
 * takes n·ln2 in one fused step in the relaxed-SIMD build: |n|·|ln 2 - LN2| < 6e-8 moves e^r by
 * less than that relatively, and tanh's result by less still (its error is e^(-2|x|)-damped
 * where n is not small); were the product rounded (relaxed_madd unfused), by under an ulp too.
 * Otherwise ln 2 is split in two (Cody-Waite), exact for sigmoid's whole range of n.
 */
// @ts-ignore: decorator
@inline function oneMinusExpReduced(v: v128, shifted: v128, oneStep: bool): v128 {
  const fx = f32x4.sub(shifted, f32x4.splat(ROUNDER_BIASED));
  const s = oneStep && ASC_FEATURE_RELAXED_SIMD
    ? madd(fx, f32x4.splat(LN2), v)
    : madd(fx, f32x4.splat(LN2_LO), madd(fx, f32x4.splat(LN2_HI), v));
  const s2 = f32x4.mul(s, s), s4 = f32x4.mul(s2, s2);
  // -(r + r² p(r)) = s - s²(p01 + s² p23 + s⁴ A4) = (s - s² p01) - s⁴ (p23 + s² A4), pairs of
  // terms (Estrin) in which the odd ones change sign with r = -s.
  const p01 = nmadd(s, f32x4.splat(EXPM1_A1), f32x4.splat(EXPM1_A0));
  const p23 = nmadd(s, f32x4.splat(EXPM1_A3), f32x4.splat(EXPM1_A2));
  return nmadd(s4, madd(s2, f32x4.splat(EXPM1_A4), p23), nmadd(s2, p01, s));
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
  const denominator = nmadd(scale, oneMinusExpReduced(v, shifted, false), f32x4.add(scale, f32x4.splat(1.0)));
  return f32x4.div(f32x4.splat(1.0), denominator);
}

// tanh(10) rounds to 1 in float32; clamping there keeps 2^n far from the subnormals.
// @ts-ignore: decorator
@inline const TANH_CLAMP: f32 = 10.0;

/**
 * tanh per lane as (1 - e) / (1 + e), e = e^(-2|x|) = 2^n e^r, both sides formed from
 * 1 - e^r in one fused step each (1 - e does not cancel: n = 0 for small |x|, where expm1
 * keeps full relative precision), then the sign of x put back: one path for every x and one
 * division. Within about 2.5 ulp of the float64 tanh.
 */
// @ts-ignore: decorator
@inline export function tanhV(x: v128): v128 {
  const sign = i32x4.splat(SIGN_BIT);
  const t = f32x4.pmin(v128.andnot(x, sign), f32x4.splat(TANH_CLAMP));
  // -2t·log2(e) straight from t: 2t is needed only later, off the chain.
  const shifted = madd(t, f32x4.splat(-2.0 * LOG2E), f32x4.splat(ROUNDER_BIASED));
  const v = f32x4.add(t, t);
  const scale = pow2(shifted);
  const q = oneMinusExpReduced(v, shifted, true);
  const one = f32x4.splat(1.0);
  // (1 - 2^n) + 2^n q and (1 + 2^n) - 2^n q, side by side.
  const magnitude = f32x4.div(madd(scale, q, f32x4.sub(one, scale)), nmadd(scale, q, f32x4.add(one, scale)));
  return v128.or(magnitude, v128.and(x, sign));
}
