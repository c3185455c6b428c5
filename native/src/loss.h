// Softmax cross-entropy (src/kernels/kernels.ts TrainingKernels, reference src/kernels/js/losses.ts).
// Per kept row with a = (1 - ε)·m·w[y], b = ε / C·m and W = Σ_c w_c:
//   loss = a·(-logp_y) + b·Σ_c w_c·(-logp_c),  grad_k = a·(p_k - [k = y]) + b·(W·p_k - w_k),
// with -logp_c = log Σ exp(x - max) - (x_c - max) >= 0, so the smoothing sum never cancels.
// addon.cc has checked the kept rows' targets.

/** Sum of the first k lanes. */
RK_INLINE float hsumFirst(V v, int k) {
  float s = 0;
  for (int i = 0; i < k; i++) s += v[i];
  return s;
}

static float rowMaxOf(int C, const float* x) {
  V m = splat(-INFINITY);
  int c = 0;
  for (; c + VL <= C; c += VL) m = ld(x + c) > m ? ld(x + c) : m;
  float best = hmax(m);
  for (; c < C; c++) best = x[c] > best ? x[c] : best;
  return best;
}

static void crossEntropyForward(int N, int C, const float* logits, const int32_t* targets, int ignoreIndex,
                                const float* mask, const float* weight, float labelSmoothing, float* loss, float* grad) {
  double weightSum = C;
  if (weight) {
    weightSum = 0;
    for (int c = 0; c < C; c++) weightSum += weight[c];
  }
  const float W = (float)weightSum;
  for (int r = 0; r < N; r++) {
    const size_t o = (size_t)r * C;
    const float* x = logits + o;
    float* gr = grad ? grad + o : nullptr;
    const int y = targets[r];
    const float m = mask ? mask[r] : 1.0f;
    if (y == ignoreIndex || m == 0.0f) {
      loss[r] = 0;
      if (gr) std::memset(gr, 0, (size_t)C * sizeof(float));
      continue;
    }
    const float mx = rowMaxOf(C, x);
    // exp(x - max) once: kept in the gradient row for the pass below.
    V sums = {};
    float tail = 0;
    forChunks((size_t)C, [&](size_t c, int k) {
      V e = vexp(ldp(x + c, k) - mx);
      if (gr) stp(gr + c, e, k);
      if (k == VL) sums += e; else tail = hsumFirst(e, k);
    });
    const float sum = hsum(sums) + tail;
    const float logSum = std::log(sum);
    const float a = (float)((1.0 - (double)labelSmoothing) * m * (weight ? weight[y] : 1.0f));
    const float b = (float)((double)labelSmoothing / C * m);
    float rowLoss = a * (logSum - (x[y] - mx));
    if (labelSmoothing > 0) {
      V smooth = {};
      float smoothTail = 0;
      forChunks((size_t)C, [&](size_t c, int k) {
        V nlp = logSum - (ldp(x + c, k) - mx);
        V term = weight ? ldp(weight + c, k) * nlp : nlp;
        if (k == VL) smooth += term; else smoothTail = hsumFirst(term, k);
      });
      rowLoss += b * (hsum(smooth) + smoothTail);
    }
    loss[r] = rowLoss;
    if (!gr) continue;
    const float inv = 1.0f / sum;
    const float bW = b * W;
    forChunks((size_t)C, [&](size_t c, int k) {
      V p = ldp(gr + c, k) * inv;
      V g = (a + bW) * p;
      if (b != 0.0f) g = g - b * (weight ? ldp(weight + c, k) : splat(1.0f));
      stp(gr + c, g, k);
    });
    gr[y] -= a;
  }
}

static void crossEntropyBackward(int N, int C, const float* grad, const float* rowScale, float scale, float* dx) {
  for (int r = 0; r < N; r++) {
    const size_t o = (size_t)r * C;
    const float s = rowScale ? scale * rowScale[r] : scale;
    forChunks((size_t)C, [&](size_t c, int k) { stp(dx + o + c, ldp(dx + o + c, k) + s * ldp(grad + o + c, k), k); });
  }
}
