// The gate nonlinearities of the fused cells, for one instruction set (after simd.h). The cells
// spend most of their time in sigmoid and tanh, so these trade simd.h's division and tanh's two
// branches for a reciprocal estimate refined by one Newton step and a single expm1 path; both stay
// within about 2 ulp of the float64 functions (test/kernels/native-sequence.test.ts).
//
// sigmoid(x) = 1 / (1 + e^-x): no cancellation on either side; the clamp in the exponent keeps it
//   finite (x < -87.3 gives ~1e-38 instead of a subnormal, far below any tolerance).
// tanh(|x|) = -m / (2 + m) with m = expm1(-2|x|), computed as 2^n (p(r)) + (2^n - 1) where p(r) is
//   e^r - 1 without its leading 1, so small |x| loses nothing to cancellation; sign restored after.
// NaN propagates through both (the clamps keep a NaN operand).

/** 1 / d for d >= 1 (the cells' denominators). */
RK_INLINE V cellRecip(V d) {
#if defined(__x86_64__) && RK_VL == 16
  V r = (V)_mm512_rcp14_ps((__m512)d);
  return r * (2.0f - d * r);
#elif defined(__x86_64__) && RK_VL == 8
  V r = (V)_mm256_rcp_ps((__m256)d);
  r = r * (2.0f - d * r);
  return r * (2.0f - d * r);
#else
  return 1.0f / d;
#endif
}

// min/max that keep a NaN x: the x86 forms return their second operand when either is NaN.
RK_INLINE V clampAbove(V x, float hi) {
#if defined(__x86_64__) && RK_VL == 16
  return (V)_mm512_min_ps(_mm512_set1_ps(hi), (__m512)x);
#elif defined(__x86_64__) && RK_VL == 8
  return (V)_mm256_min_ps(_mm256_set1_ps(hi), (__m256)x);
#else
  return x > hi ? splat(hi) : x;
#endif
}
RK_INLINE V clampBelow(V x, float lo) {
#if defined(__x86_64__) && RK_VL == 16
  return (V)_mm512_max_ps(_mm512_set1_ps(lo), (__m512)x);
#elif defined(__x86_64__) && RK_VL == 8
  return (V)_mm256_max_ps(_mm256_set1_ps(lo), (__m256)x);
#else
  return x < lo ? splat(lo) : x;
#endif
}

/** The Cody-Waite reduction of exp: x = n ln2 + r; returns e^r - 1 and sets 2^n. */
RK_INLINE V expm1Reduced(V x, V* scale) {
  V n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;  // round to nearest integer
  V r = x - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  V y = splat(1.9875691500e-4f);
  y = y * r + 1.3981999507e-3f;
  y = y * r + 8.3334519073e-3f;
  y = y * r + 4.1665795894e-2f;
  y = y * r + 1.6666665459e-1f;
  y = y * r + 5.0000001201e-1f;
  *scale = (V)((__builtin_convertvector(n, VI) + 127) << 23);
  return y * (r * r) + r;
}

RK_INLINE V cellSigmoid(V x) {
  V e = clampBelow(clampAbove(-x, 88.3f), -87.3f);
  V scale;
  V pm1 = expm1Reduced(e, &scale);
  return cellRecip(1.0f + (scale * pm1 + scale));
}

RK_INLINE V cellTanh(V x) {
  // tanh(10) rounds to 1 in float32; the clamp keeps 2^n a normal number.
  V t = clampAbove(vabs(x), 10.0f);
  V scale;
  V pm1 = expm1Reduced(-(t + t), &scale);
  V m = scale * pm1 + (scale - 1.0f);  // expm1(-2|x|), in (-1, 0]
  return vcopysign(-m * cellRecip(2.0f + m), x);
}

/** act(x) for the RNN cell, with the cells' sigmoid and tanh. */
RK_INLINE V cellAct(int act, float slope, V x) {
  switch (act) {
    case ACT_TANH: return cellTanh(x);
    case ACT_SIGMOID: return cellSigmoid(x);
    default: return vact(act, slope, x);
  }
}
