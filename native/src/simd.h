// Vector types and math for one instruction set, written with GCC/Clang vector extensions so the
// same source compiles to AVX-512, AVX2+FMA or the baseline (SSE2 / NEON). Included by each
// isa_*.cc inside its own namespace after its `#pragma GCC target`, with RK_VL (floats per vector).
//
// exp: Cody-Waite reduction + the Cephes degree-6 polynomial (about 1 ulp). The recurrent cells
// spend most of their time in sigmoid and tanh, so those avoid a division and tanh's two branches:
// a reciprocal estimate refined by Newton steps and a single expm1 path, within about 2 ulp of the
// float64 functions (test/kernels/native-sequence.test.ts).
// sigmoid(x) = 1 / (1 + e^-x): no cancellation on either side; the clamp in the exponent keeps it
//   finite (x < -87.3 gives ~1e-38 instead of a subnormal, far below any tolerance).
// tanh(|x|) = -m / (2 + m) with m = expm1(-2|x|), computed as 2^n (p(r)) + (2^n - 1) where p(r) is
//   e^r - 1 without its leading 1, so small |x| loses nothing to cancellation; sign restored after.
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

RK_INLINE V vexp(V x) {
  // Clamp written so that NaN compares false and passes through.
  x = x < -87.3f ? splat(-87.3f) : x;
  x = x > 88.3f ? splat(88.3f) : x;
  V fx = x * 1.44269504088896341f;
  V n = (fx + 12582912.0f) - 12582912.0f;  // round to nearest integer
  V r = x - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  V z = r * r;
  V y = splat(1.9875691500e-4f);
  y = y * r + 1.3981999507e-3f;
  y = y * r + 8.3334519073e-3f;
  y = y * r + 4.1665795894e-2f;
  y = y * r + 1.6666665459e-1f;
  y = y * r + 5.0000001201e-1f;
  y = y * z + r + 1.0f;
  VI e = (__builtin_convertvector(n, VI) + 127) << 23;
  return y * (V)e;
}

/** 1 / d for d >= 1 (the sigmoid and tanh denominators). */
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

RK_INLINE V vsigmoid(V x) {
  V e = clampBelow(clampAbove(-x, 88.3f), -87.3f);
  V scale;
  V pm1 = expm1Reduced(e, &scale);
  return cellRecip(1.0f + (scale * pm1 + scale));
}

RK_INLINE V vtanh(V x) {
  // tanh(10) rounds to 1 in float32; the clamp keeps 2^n a normal number.
  V t = clampAbove(vabs(x), 10.0f);
  V scale;
  V pm1 = expm1Reduced(-(t + t), &scale);
  V m = scale * pm1 + (scale - 1.0f);  // expm1(-2|x|), in (-1, 0]
  return vcopysign(-m * cellRecip(2.0f + m), x);
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
