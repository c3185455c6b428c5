// Optimiser updates (src/kernels/kernels.ts TrainingKernels, reference src/kernels/js/optim.ts):
// one parameter updated in place from its gradient and its state, one pass over the buffers.
// Float32 throughout, as PyTorch's float32 tensors compute; the scalars that PyTorch computes in
// Python double (1 - β, 1 - lr·wd, bias corrections) arrive precomputed from addon.cc.
// No threads: at a million parameters the update is a few memory streams of ~1 ms, which the
// pool's wake-up and a second core shared with the next kernel would not shorten enough to pay.

RK_INLINE V vsqrt(V x) {
#if defined(__x86_64__) && RK_VL == 16
  return (V)_mm512_sqrt_ps((__m512)x);
#elif defined(__x86_64__) && RK_VL == 8
  return (V)_mm256_sqrt_ps((__m256)x);
#elif defined(__x86_64__) && RK_VL == 4
  return (V)_mm_sqrt_ps((__m128)x);
#else
  V r;
  for (int i = 0; i < VL; i++) r[i] = __builtin_sqrtf(x[i]);
  return r;
#endif
}

/** body(i, k) for the chunks [i, i + k) of [0, n): k == VL except for a last partial chunk. */
template <class Body>
RK_INLINE void forChunks(size_t n, Body body) {
  size_t i = 0;
  for (; i + VL <= n; i += VL) body(i, VL);
  if (i < n) body(i, (int)(n - i));
}

static void sgdUpdate(size_t n, float* p, const float* g, float* buf, bool initBuffer, float lr, float momentum,
                      float oneMinusDampening, float weightDecay, bool nesterov) {
  forChunks(n, [&](size_t i, int k) {
    V d = ldp(g + i, k) + weightDecay * ldp(p + i, k);
    if (buf) {
      V b = initBuffer ? d : momentum * ldp(buf + i, k) + oneMinusDampening * d;
      stp(buf + i, b, k);
      d = nesterov ? d + momentum * b : b;
    }
    stp(p + i, ldp(p + i, k) - lr * d, k);
  });
}

static void adagradUpdate(size_t n, float* p, const float* g, float* sum, float clr, float weightDecay, float eps) {
  forChunks(n, [&](size_t i, int k) {
    V pv = ldp(p + i, k);
    V d = ldp(g + i, k) + weightDecay * pv;
    V s = ldp(sum + i, k) + d * d;
    stp(sum + i, s, k);
    stp(p + i, pv - clr * d / (vsqrt(s) + eps), k);
  });
}

static void rmspropUpdate(size_t n, float* p, const float* g, float* squareAvg, float* gradAvg, float* buf, float lr,
                          float alpha, float oneMinusAlpha, float eps, float weightDecay, float momentum) {
  forChunks(n, [&](size_t i, int k) {
    V pv = ldp(p + i, k);
    V d = ldp(g + i, k) + weightDecay * pv;
    V sq = alpha * ldp(squareAvg + i, k) + oneMinusAlpha * d * d;
    stp(squareAvg + i, sq, k);
    V variance = sq;
    if (gradAvg) {
      V ga = alpha * ldp(gradAvg + i, k) + oneMinusAlpha * d;
      stp(gradAvg + i, ga, k);
      variance = sq - ga * ga;
    }
    V avg = vsqrt(variance) + eps;
    if (buf) {
      V b = momentum * ldp(buf + i, k) + d / avg;
      stp(buf + i, b, k);
      stp(p + i, pv - lr * b, k);
    } else {
      stp(p + i, pv - lr * d / avg, k);
    }
  });
}

static void adamUpdate(size_t n, float* p, const float* g, float* expAvg, float* expAvgSq, float* maxExpAvgSq,
                       float beta1, float oneMinusBeta1, float beta2, float oneMinusBeta2, float eps,
                       float coupledDecay, float shrink, float stepSize, float bias2Sqrt) {
  forChunks(n, [&](size_t i, int k) {
    V pv = ldp(p + i, k);
    V d = ldp(g + i, k) + coupledDecay * pv;
    V m = beta1 * ldp(expAvg + i, k) + oneMinusBeta1 * d;
    V v = beta2 * ldp(expAvgSq + i, k) + oneMinusBeta2 * d * d;
    stp(expAvg + i, m, k);
    stp(expAvgSq + i, v, k);
    if (maxExpAvgSq) {
      V old = ldp(maxExpAvgSq + i, k);
      v = old > v ? old : v;
      stp(maxExpAvgSq + i, v, k);
    }
    stp(p + i, pv * shrink - stepSize * m / (vsqrt(v) / bias2Sqrt + eps), k);
  });
}
