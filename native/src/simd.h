// Vector types and math for one instruction set, written with GCC/Clang vector extensions so the
// same source compiles to AVX-512, AVX2+FMA or the baseline (SSE2 / NEON). Included by each
// isa_*.cc inside its own namespace after its `#pragma GCC target`, with RK_VL (floats per vector).
//
// exp: reduction x = n ln2 + r, a degree-6 polynomial for e^r fitted for relative error
// (~2e-9) and the scaling by 2^n (one vscalefps on AVX-512); tanh's expm1 one of degree 4
// (1.3e-8). The recurrent cells spend most of their time in sigmoid and tanh, so those take a
// single path each and a single division (on AVX-512 a real one: Zen 4's divider runs beside the
// FMA pipes; on AVX2 a reciprocal estimate and Newton steps), within about 3 ulp of the float64
// functions (test/kernels/native-activation-accuracy.test.ts; sigmoid 5.3 ulp worst where it
// falls below 1e-37).
// sigmoid(x) = 1 / (1 + e^-x): no cancellation on either side; the clamp in the exponent keeps it
//   finite (x < -87.3 gives ~1e-38 instead of a subnormal, far below any tolerance).
// tanh(|x|) = -m / (2 + m) with m = expm1(-2|x|), computed as 2^n (p(r)) + (2^n - 1) where p(r) is
//   e^r - 1 without its leading 1, so small |x| loses nothing to cancellation; sign restored after.
// Horner's form throughout: the cells evaluate several units at once, which hides its latency,
// and Estrin's form costs more FMAs (measured slower in the LSTM cell).
// NaN propagates through all of them (the clamps keep a NaN operand).

constexpr int VL = RK_VL;
typedef float V __attribute__((vector_size(VL * 4)));
typedef int32_t VI __attribute__((vector_size(VL * 4)));
typedef float Vu __attribute__((vector_size(VL * 4), aligned(4)));

#define RK_INLINE static inline __attribute__((always_inline))

RK_INLINE V ld(const float* p) { return *reinterpret_cast<const Vu*>(p); }
RK_INLINE void st(float* p, V v) { *reinterpret_cast<Vu*>(p) = v; }
/** The first n < VL floats (the rest 0), touching no memory past them: a masked access where the ISA has one. */
RK_INLINE V ldn(const float* p, int n) {
#if defined(__x86_64__) && RK_VL == 16
  return (V)_mm512_maskz_loadu_ps((__mmask16)((1u << n) - 1), p);
#else
  V v = {};
  __builtin_memcpy(&v, p, n * 4);
  return v;
#endif
}
RK_INLINE void stn(float* p, V v, int n) {
#if defined(__x86_64__) && RK_VL == 16
  _mm512_mask_storeu_ps(p, (__mmask16)((1u << n) - 1), (__m512)v);
#else
  __builtin_memcpy(p, &v, n * 4);
#endif
}
/** Loads n <= VL floats, the full vector when n == VL. */
RK_INLINE V ldp(const float* p, int n) { return n == VL ? ld(p) : ldn(p, n); }
RK_INLINE void stp(float* p, V v, int n) {
  if (n == VL) st(p, v); else stn(p, v, n);
}
RK_INLINE V splat(float x) {
  // One broadcast instruction (V{} + x would add +0.0f first; a lane loop compiles badly).
#if defined(__x86_64__) && RK_VL == 16
  return (V)_mm512_set1_ps(x);
#elif defined(__x86_64__) && RK_VL == 8
  return (V)_mm256_set1_ps(x);
#elif defined(__x86_64__) && RK_VL == 4
  return (V)_mm_set1_ps(x);
#else
  V v;
  for (int i = 0; i < VL; i++) v[i] = x;
  return v;
#endif
}
/**
 * a * b + c as one fused multiply-add where the ISA has one, whatever the compiler would contract:
 * in a * b + c * d it may fuse either product, and differently in an unrolled loop and its tail.
 */
RK_INLINE V vfma(V a, V b, V c) {
#if defined(__x86_64__) && RK_VL == 16
  return (V)_mm512_fmadd_ps((__m512)a, (__m512)b, (__m512)c);
#elif defined(__x86_64__) && RK_VL == 8
  return (V)_mm256_fmadd_ps((__m256)a, (__m256)b, (__m256)c);
#else
  return a * b + c;
#endif
}
RK_INLINE V vabs(V x) { return (V)((VI)x & 0x7fffffff); }
RK_INLINE V vcopysign(V mag, V sgn) {
  return (V)(((VI)mag & 0x7fffffff) | ((VI)sgn & (int32_t)0x80000000));
}
RK_INLINE float hsum(V v) {
  float s = 0;
  for (int i = 0; i < VL; i++) s += v[i];
  return s;
}
RK_INLINE float hmax(V v) {
  float m = v[0];
  for (int i = 1; i < VL; i++) m = v[i] > m ? v[i] : m;
  return m;
}

/**
 * num / d for d >= 1 (the sigmoid and tanh denominators). On AVX-512 a division: Zen 4 divides
 * beside the FMA pipes (a 512-bit division per ~6 cycles), where a reciprocal estimate and its
 * Newton step would take three FMA-pipe slots. On AVX2 the estimate and two Newton steps, the
 * last as r + r (1 - d r), whose correction rounds once.
 */
RK_INLINE V cellDiv(V num, V d) {
#if defined(__x86_64__) && RK_VL == 16
  return num / d;
#elif defined(__x86_64__) && RK_VL == 8
  V r = (V)_mm256_rcp_ps((__m256)d);
  r = r * (2.0f - d * r);
  return num * (r * (1.0f - d * r) + r);
#else
  return num / d;
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

/** The reduction of exp: x = n ln2 + r, |r| <= ln2 / 2; returns r and sets n (integral). */
RK_INLINE V expReduce(V x, V* n) {
  *n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;  // round to nearest integer
#if defined(__x86_64__) && RK_VL >= 8
  // One FMA with ln2 rounded to float: its error (1.9e-9) times n stays under ~0.5 ulp of e^x for
  // |x| < 20, where the sigmoid and tanh are not saturated (measured: sigmoid 2.5 -> 3.1 ulp
  // worst, near 1e-8; 7% off the LSTM cell).
  return x - *n * 0.693147182464599609375f;
#else
  // Cody-Waite: without FMA, n ln2 must be formed from a constant whose products are exact.
  V r = x - *n * 0.693359375f;
  return r - *n * -2.12194440e-4f;
#endif
}

/** a 2^n for integral n; AVX-512 has it as one instruction, elsewhere n must keep 2^n normal. */
RK_INLINE V scaleByPow2(V a, V n) {
#if defined(__x86_64__) && RK_VL == 16
  return (V)_mm512_scalef_ps((__m512)a, (__m512)n);
#else
  return a * (V)((__builtin_convertvector(n, VI) + 127) << 23);
#endif
}

/** e^r for |r| <= ln2 / 2: degree 6, fitted for relative error on that interval (~2e-9). */
RK_INLINE V expPoly(V r) {
  V p = splat(1.384365139529109e-3f);
  p = p * r + 8.374156430363655e-3f;
  p = p * r + 4.166800156235695e-2f;
  p = p * r + 1.6666431725025177e-1f;
  p = p * r + 4.999999403953552e-1f;
  p = p * r + 1.0f;
  return p * r + 1.0f;
}

/**
 * e^r - 1 for |r| <= ln2 / 2 without cancellation near 0: r + r^2 P(r), P of degree 4 fitted
 * (Lawson's minimax) for relative error ~1.3e-8 - one FMA fewer than Cephes' degree 5 at no
 * measurable cost in tanh (worst 2.5 ulp on AVX-512 either way, test/kernels/native-activation-accuracy.test.ts).
 */
RK_INLINE V expm1Poly(V r) {
  V y = splat(1.3882515486329794e-3f);
  y = y * r + 8.366513065993786e-3f;
  y = y * r + 4.166720062494278e-2f;
  y = y * r + 1.666654348373413e-1f;
  y = y * r + 4.999999701976776e-1f;
  return y * (r * r) + r;
}

RK_INLINE V vsigmoid(V x) {
  // e^y stays finite (AVX2's Newton step would turn an infinite one into NaN), 2^n a normal
  // number (scaleByPow2 without AVX-512), and x = +inf gives 1 rather than NaN from inf - inf.
  V y = clampBelow(clampAbove(-x, 88.3f), -87.3f);
  V n;
  V r = expReduce(y, &n);
  return cellDiv(splat(1.0f), 1.0f + scaleByPow2(expPoly(r), n));
}

RK_INLINE V vtanh(V x) {
  // tanh(10) rounds to 1 in float32; the clamp keeps 2^n a normal number.
  V t = clampAbove(vabs(x), 10.0f);
  V n;
  V pm1 = expm1Poly(expReduce(-(t + t), &n));
  V scale = scaleByPow2(splat(1.0f), n);
  V m = scale * pm1 + (scale - 1.0f);  // expm1(-2|x|), in (-1, 0]
  return vcopysign(cellDiv(m, 2.0f + m), x);
}

RK_INLINE V vexp(V x) {
  x = clampBelow(clampAbove(x, 88.3f), -87.3f);  // 2^n stays a normal number
  V n;
  V r = expReduce(x, &n);
  return scaleByPow2(expPoly(r), n);
}

/** act(x) for the recurrent activations. */
RK_INLINE V vact(int act, float slope, V x) {
  switch (act) {
    case ACT_TANH: return vtanh(x);
    case ACT_SIGMOID: return vsigmoid(x);
    case ACT_RELU: return x <= 0.0f ? V{} : x;  // NaN stays NaN, as in PyTorch
    case ACT_LEAKY_RELU: return x > 0.0f ? x : x * slope;
    default: return x;
  }
}

/** act'(.) written in terms of the output y. */
RK_INLINE V vactGrad(int act, float slope, V y) {
  switch (act) {
    case ACT_TANH: return 1.0f - y * y;
    case ACT_SIGMOID: return y * (1.0f - y);
    case ACT_RELU: return y > 0.0f ? splat(1.0f) : V{};
    case ACT_LEAKY_RELU: return y > 0.0f ? splat(1.0f) : splat(slope);
    default: return splat(1.0f);
  }
}

RK_INLINE int imin(int a, int b) { return a < b ? a : b; }
RK_INLINE int imax(int a, int b) { return a > b ? a : b; }
