// Fused recurrent cells and elementwise kernels for one instruction set (after simd.h).
// Shapes as in src/kernels/kernels.ts. The row kernels work on one batch row of H units and take
// optional biases (bx added to the input side, bh to the recurrent side) so the sequence kernels
// can fold the biases in without a separate pass; the step kernels call them with no biases.

RK_INLINE V ldb(const float* b, int j, int n) { return b ? ldp(b + j, n) : V{}; }

// ---- RNN: h = act(xg + hg + bx) ----
static void rnnRowForward(int H, int act, float slope, const float* xg, const float* hg, const float* bx, float* h) {
  for (int j = 0; j < H; j += VL) {
    int n = imin(VL, H - j);
    stp(h + j, vact(act, slope, ldp(xg + j, n) + ldp(hg + j, n) + ldb(bx, j, n)), n);
  }
}

static void rnnRowBackward(int H, int act, float slope, const float* h, const float* dh, float* dPre) {
  for (int j = 0; j < H; j += VL) {
    int n = imin(VL, H - j);
    stp(dPre + j, ldp(dh + j, n) * vactGrad(act, slope, ldp(h + j, n)), n);
  }
}

// ---- LSTM, gates i,f,g,o (stored for backward when gates is non-null). hg may be null: xg then
// holds both sides' products already summed (gemmPackedBSum). ----
RK_INLINE V lstmPre(const float* xg, const float* hg, const float* bx, int j, int n) {
  return ldp(xg + j, n) + ldb(hg, j, n) + ldb(bx, j, n);
}

/**
 * CELL_UNROLL vectors of units at a time (LSTM and GRU forward): each unit's gates are a chain of
 * dependent FMAs and a division, so one vector at a time leaves the core waiting on latency
 * (measured on Zen 4: 2.9 ms of W6's forward at one vector, 2.3 ms at four).
 */
constexpr int CELL_UNROLL = 4;

static void lstmRowForward(int H, const float* xg, const float* hg, const float* bx, const float* cPrev,
                           float* gates, float* c, float* h) {
  constexpr int U = CELL_UNROLL;
  int j = 0;
  for (; j + U * VL <= H; j += U * VL) {
    V gi[U], gf[U], gg[U], go[U], cv[U];
#pragma GCC unroll 8
    for (int u = 0; u < U; u++) {
      const int k = j + u * VL;
      gi[u] = vsigmoid(lstmPre(xg, hg, bx, k, VL));
      gf[u] = vsigmoid(lstmPre(xg, hg, bx, H + k, VL));
      gg[u] = vtanh(lstmPre(xg, hg, bx, 2 * H + k, VL));
      go[u] = vsigmoid(lstmPre(xg, hg, bx, 3 * H + k, VL));
    }
#pragma GCC unroll 8
    for (int u = 0; u < U; u++) {
      const int k = j + u * VL;
      if (gates) { st(gates + k, gi[u]); st(gates + H + k, gf[u]); st(gates + 2 * H + k, gg[u]); st(gates + 3 * H + k, go[u]); }
      cv[u] = vfma(gf[u], ld(cPrev + k), gi[u] * gg[u]);
      st(c + k, cv[u]);
    }
#pragma GCC unroll 8
    for (int u = 0; u < U; u++) st(h + j + u * VL, go[u] * vtanh(cv[u]));
  }
  for (; j < H; j += VL) {
    const int n = imin(VL, H - j);
    V gi = vsigmoid(lstmPre(xg, hg, bx, j, n));
    V gf = vsigmoid(lstmPre(xg, hg, bx, H + j, n));
    V gg = vtanh(lstmPre(xg, hg, bx, 2 * H + j, n));
    V go = vsigmoid(lstmPre(xg, hg, bx, 3 * H + j, n));
    if (gates) {
      stp(gates + j, gi, n); stp(gates + H + j, gf, n); stp(gates + 2 * H + j, gg, n); stp(gates + 3 * H + j, go, n);
    }
    V cv = vfma(gf, ldp(cPrev + j, n), gi * gg);
    stp(c + j, cv, n);
    stp(h + j, go * vtanh(cv), n);
  }
}

/** dc: in, the gradient wrt c from the next step; out, the gradient wrt cPrev. */
static void lstmRowBackward(int H, const float* gates, const float* cPrev, const float* c, const float* dh,
                            float* dc, float* dPre) {
  for (int j = 0; j < H; j += VL) {
    int n = imin(VL, H - j);
    V gi = ldp(gates + j, n), gf = ldp(gates + H + j, n), gg = ldp(gates + 2 * H + j, n), go = ldp(gates + 3 * H + j, n);
    V tc = vtanh(ldp(c + j, n));
    V dhv = ldp(dh + j, n);
    V dcv = ldp(dc + j, n) + dhv * go * (1.0f - tc * tc);
    stp(dPre + j, dcv * gg * gi * (1.0f - gi), n);
    stp(dPre + H + j, dcv * ldp(cPrev + j, n) * gf * (1.0f - gf), n);
    stp(dPre + 2 * H + j, dcv * gi * (1.0f - gg * gg), n);
    stp(dPre + 3 * H + j, dhv * tc * go * (1.0f - go), n);
    stp(dc + j, dcv * gf, n);
  }
}

// ---- GRU (PyTorch): r, z, n. hnOut (when non-null) gets W_hn h + b_hn, the one part of the
// recurrent pre-activations backward needs (inside the reset product). ----
/**
 * U vectors of units from j (n units in each, n < VL only when U == 1): the sigmoids of all U
 * first, then the tanhs, then h. One vector at a time left the chain r -> tanh -> h waiting on
 * latency (measured on Zen 4, AVX-512: W5's GRU forward cell, both directions, 2.5 -> 1.85 ms).
 */
template <int U>
RK_INLINE void gruVectorsForward(int H, const float* xg, const float* hg, const float* bx, const float* bh,
                                 const float* hPrev, float* gates, float* h, float* hnOut, int j, int n) {
  V r[U], z[U], hn[U], nn[U];
#pragma GCC unroll 8
  for (int u = 0; u < U; u++) {
    const int k = j + u * VL;
    V hr = ldp(hg + k, n) + ldb(bh, k, n);
    V hz = ldp(hg + H + k, n) + ldb(bh, H + k, n);
    hn[u] = ldp(hg + 2 * H + k, n) + ldb(bh, 2 * H + k, n);
    if (hnOut) stp(hnOut + k, hn[u], n);
    r[u] = vsigmoid(ldp(xg + k, n) + ldb(bx, k, n) + hr);
    z[u] = vsigmoid(ldp(xg + H + k, n) + ldb(bx, H + k, n) + hz);
  }
#pragma GCC unroll 8
  for (int u = 0; u < U; u++) {
    const int k = j + u * VL;
    nn[u] = vtanh(ldp(xg + 2 * H + k, n) + ldb(bx, 2 * H + k, n) + r[u] * hn[u]);
  }
#pragma GCC unroll 8
  for (int u = 0; u < U; u++) {
    const int k = j + u * VL;
    if (gates) { stp(gates + k, r[u], n); stp(gates + H + k, z[u], n); stp(gates + 2 * H + k, nn[u], n); }
    // h = (1 - z) n + z hPrev written with one product: with two, -ffp-contract may fuse either
    // into the FMA, differently in the 1- and 4-vector paths (measured), and a row that few_rows.h
    // splits over threads must give the same bits as the whole row.
    stp(h + k, z[u] * (ldp(hPrev + k, n) - nn[u]) + nn[u], n);
  }
}

static void gruRowForward(int H, const float* xg, const float* hg, const float* bx, const float* bh, const float* hPrev,
                          float* gates, float* h, float* hnOut) {
  constexpr int U = CELL_UNROLL;
  int j = 0;
  for (; j + U * VL <= H; j += U * VL) gruVectorsForward<U>(H, xg, hg, bx, bh, hPrev, gates, h, hnOut, j, VL);
  for (; j < H; j += VL) gruVectorsForward<1>(H, xg, hg, bx, bh, hPrev, gates, h, hnOut, j, imin(VL, H - j));
}

static void gruRowBackward(int H, const float* gates, const float* hg, const float* hPrev, const float* dh,
                           float* dXg, float* dHg, float* dhPrev) {
  for (int j = 0; j < H; j += VL) {
    int n = imin(VL, H - j);
    V r = ldp(gates + j, n), z = ldp(gates + H + j, n), nn = ldp(gates + 2 * H + j, n);
    V dhv = ldp(dh + j, n);
    V dnPre = dhv * (1.0f - z) * (1.0f - nn * nn);
    V drPre = dnPre * ldp(hg + 2 * H + j, n) * r * (1.0f - r);
    V dzPre = dhv * (ldp(hPrev + j, n) - nn) * z * (1.0f - z);
    stp(dXg + j, drPre, n); stp(dXg + H + j, dzPre, n); stp(dXg + 2 * H + j, dnPre, n);
    stp(dHg + j, drPre, n); stp(dHg + H + j, dzPre, n); stp(dHg + 2 * H + j, dnPre * r, n);
    stp(dhPrev + j, dhv * z, n);
  }
}

// ---- step kernels over a batch (the Kernels interface) ----
static void rnnCellForward(int B, int H, int act, float slope, const float* xg, const float* hg, float* h) {
  for (int b = 0; b < B; b++) rnnRowForward(H, act, slope, xg + (long)b * H, hg + (long)b * H, nullptr, h + (long)b * H);
}
static void rnnCellBackward(int B, int H, int act, float slope, const float* h, const float* dh, float* dPre) {
  for (int b = 0; b < B; b++) rnnRowBackward(H, act, slope, h + (long)b * H, dh + (long)b * H, dPre + (long)b * H);
}
static void lstmCellForward(int B, int H, const float* xg, const float* hg, const float* cPrev, float* gates,
                            float* c, float* h) {
  for (int b = 0; b < B; b++) {
    long g = (long)b * 4 * H, s = (long)b * H;
    lstmRowForward(H, xg + g, hg + g, nullptr, cPrev + s, gates + g, c + s, h + s);
  }
}
static void lstmCellBackward(int B, int H, const float* gates, const float* cPrev, const float* c, const float* dh,
                             float* dc, float* dPre) {
  for (int b = 0; b < B; b++) {
    long g = (long)b * 4 * H, s = (long)b * H;
    lstmRowBackward(H, gates + g, cPrev + s, c + s, dh + s, dc + s, dPre + g);
  }
}
static void gruCellForward(int B, int H, const float* xg, const float* hg, const float* hPrev, float* gates, float* h) {
  for (int b = 0; b < B; b++) {
    long g = (long)b * 3 * H, s = (long)b * H;
    gruRowForward(H, xg + g, hg + g, nullptr, nullptr, hPrev + s, gates + g, h + s, nullptr);
  }
}
static void gruCellBackward(int B, int H, const float* gates, const float* hg, const float* hPrev, const float* dh,
                            float* dXg, float* dHg, float* dhPrev) {
  for (int b = 0; b < B; b++) {
    long g = (long)b * 3 * H, s = (long)b * H;
    gruRowBackward(H, gates + g, hg + g, hPrev + s, dh + s, dXg + g, dHg + g, dhPrev + s);
  }
}

// ---- elementwise ----
static void addRowVector(int rows, int cols, const float* bias, float* y) {
  for (int r = 0; r < rows; r++) {
    float* o = y + (long)r * cols;
    for (int c = 0; c < cols; c++) o[c] += bias[c];
  }
}

static void sumRowsInto(int rows, int cols, const float* x, float* out) {
  for (int r = 0; r < rows; r++) {
    const float* o = x + (long)r * cols;
    for (int c = 0; c < cols; c++) out[c] += o[c];
  }
}

static void activationForward(int act, float slope, size_t count, const float* x, float* y) {
  for (size_t i = 0; i < count; i += VL) {
    int n = (int)(count - i < (size_t)VL ? count - i : VL);
    stp(y + i, vact(act, slope, ldp(x + i, n)), n);
  }
}

static void activationBackward(int act, float slope, size_t count, const float* y, const float* dy, float* dx,
                               bool accumulate) {
  for (size_t i = 0; i < count; i += VL) {
    int n = (int)(count - i < (size_t)VL ? count - i : VL);
    V g = ldp(dy + i, n) * vactGrad(act, slope, ldp(y + i, n));
    if (accumulate) g += ldp(dx + i, n);
    stp(dx + i, g, n);
  }
}

static void softmaxRows(int rows, int cols, const float* x, float* y, bool log) {
  for (int r = 0; r < rows; r++) {
    const float* xr = x + (long)r * cols;
    float* yr = y + (long)r * cols;
    float mx = -INFINITY;
    for (int c = 0; c < cols; c++) mx = xr[c] > mx || xr[c] != xr[c] ? xr[c] : mx;
    V sum = {};
    for (int c = 0; c < cols; c += VL) {
      int n = imin(VL, cols - c);
      V e = vexp(ldp(xr + c, n) - mx);
      if (n < VL) for (int i = n; i < VL; i++) e[i] = 0.0f;
      if (!log) stp(yr + c, e, n);
      sum += e;
    }
    float total = hsum(sum);
    if (log) {
      // (x - max) - log(sum), not x - (max + log(sum)): for logits of 1e4 the sum max + log(sum)
      // would round to float32's 1e-3 steps there.
      float logTotal = std::log(total);
      for (int c = 0; c < cols; c++) yr[c] = (xr[c] - mx) - logTotal;
    } else {
      float inv = 1.0f / total;
      for (int c = 0; c < cols; c++) yr[c] *= inv;
    }
  }
}
