// Recurrent layer passes over a batch of a few rows (text generation and priming at batch 1), for
// one instruction set (after gemv.h, gemm.h and cells.h; sequence.h hands them over). Same
// semantics and saved activations as sequence.h.
//
// With B <= 4 every step is a matrix-vector product: its time is reading W_ih, W_hh (and W_hr)
// once per step, so the step is split over the threads by hidden units, not by batch rows:
// thread t computes every gate of units [j0, j1) for every row, which is all its cell update
// needs, so a step is one parallel section (plus one for the LSTM projection, which needs every
// unit). Small layers stay on the calling thread.

constexpr int FEW_ROWS_MAX_B = GEMV_MAX_ROWS;
// Multiply-adds per step below which one thread does the whole step: a parallel section costs
// ~1 us with the workers spinning and much more once they sleep or are descheduled, while a
// 64 -> 256 LSTM step (~330k multiply-adds) takes ~20 us on one thread, too little to split.
constexpr double FEW_ROWS_THREAD_MIN_MACS = 1 << 19;

static thread_local Scratch tlFewXg, tlFewBias, tlFewRingH, tlFewRingC, tlFewRaw, tlFewSliceXg, tlFewSliceHg,
    tlFewSliceGates;

struct FewRowsPass {
  const SeqArgs* a;
  int G, GH;
  /** The input projection of every step ([T*B, GH], no bias), or null: computed in each step. */
  const float* xgAll;
  /** Added to the input side: b_ih + b_hh (RNN, LSTM) or b_ih (GRU); b_hh of GRU goes to hg. */
  const float *bx, *bh;
  float *ringH, *ringC, *raw;
  // The step in flight.
  int s;
  const float* x[FEW_ROWS_MAX_B];
  const float* hPrevRows[FEW_ROWS_MAX_B];
};

static float* fewHBuf(const FewRowsPass& p, int s) {
  const SeqArgs& a = *p.a;
  return a.hAll ? a.hAll + (long)s * a.B * a.P : p.ringH + (long)(s & 1) * a.B * a.P;
}
static float* fewCBuf(const FewRowsPass& p, int s) {
  const SeqArgs& a = *p.a;
  return a.cAll ? a.cAll + (long)s * a.B * a.H : p.ringC + (long)(s & 1) * a.B * a.H;
}
static int fewRow(const SeqArgs& a, int s, int b) { return a.rows ? a.rows[s * a.B + b] : s * a.B + b; }

/** Copies a [G][n] slice (gate g of units j0 ..) into a [G][H] row. */
static void scatterGates(int G, int H, int j0, int n, const float* slice, float* row) {
  for (int g = 0; g < G; g++) std::memcpy(row + (long)g * H + j0, slice + (long)g * n, sizeof(float) * n);
}

/** Units [j0, j1) of step p.s for every batch row: gate pre-activations as [G][n] slices, then the cell. */
static void fewRowsStepTask(void* ctx, int t, int nt) {
  const FewRowsPass& p = *static_cast<const FewRowsPass*>(ctx);
  const SeqArgs& a = *p.a;
  const int B = a.B, H = a.H, P = a.P, I = a.I, G = p.G, GH = p.GH, s = p.s;
  int j0, j1;
  sliceOutputs(H, t, nt, &j0, &j1);
  const int n = j1 - j0, Gn = G * n;
  if (n <= 0) return;
  float* xgS = tlFewSliceXg.get((size_t)B * Gn);
  float* hgS = tlFewSliceHg.get((size_t)B * Gn);
  float* gatesS = tlFewSliceGates.get((size_t)Gn);
  for (int g = 0; g < G; g++) {
    const long w0 = (long)g * H + j0;
    const float* bx = p.bx ? p.bx + w0 : nullptr;
    if (p.xgAll) {
      for (int b = 0; b < B; b++) {
        int r = fewRow(a, s, b);
        if (r < 0) continue;
        const float* src = p.xgAll + (long)r * GH + w0;
        float* dst = xgS + (long)b * Gn + (long)g * n;
        for (int i = 0; i < n; i++) dst[i] = bx ? src[i] + bx[i] : src[i];
      }
    } else {
      gemvRows(B, n, I, p.x, a.wIh + w0 * I, I, xgS + (long)g * n, Gn, GemvStore{1.0f, 0.0f, bx});
    }
    gemvRows(B, n, P, p.hPrevRows, a.wHh + w0 * P, P, hgS + (long)g * n, Gn,
             GemvStore{1.0f, 0.0f, p.bh ? p.bh + w0 : nullptr});
  }
  float* hPrev = fewHBuf(p, s);
  float* hNext = fewHBuf(p, s + 1);
  for (int b = 0; b < B; b++) {
    const int r = fewRow(a, s, b);
    if (r < 0) continue;
    const long sb = (long)s * B + b;
    const float* xs = xgS + (long)b * Gn;
    float* hs = hgS + (long)b * Gn;
    float* gates = a.gatesAll ? gatesS : nullptr;
    float* hCell = (!a.wHr ? hNext + (long)b * P : a.hRawAll ? a.hRawAll + sb * H : p.raw + (long)b * H) + j0;
    if (a.mode == MODE_RNN) {
      rnnRowForward(n, a.act, a.slope, xs, hs, nullptr, hCell);
    } else if (a.mode == MODE_LSTM) {
      const long c0 = (long)b * H + j0;
      lstmRowForward(n, xs, hs, nullptr, fewCBuf(p, s) + c0, gatesS, fewCBuf(p, s + 1) + c0, hCell);
    } else {
      gruRowForward(n, xs, hs, nullptr, nullptr, hPrev + (long)b * P + j0, gatesS, hCell, nullptr);
      if (a.hgAll) scatterGates(G, H, j0, n, hs, a.hgAll + sb * GH);
    }
    if (gates) scatterGates(G, H, j0, n, gates, a.gatesAll + sb * GH);
  }
}

/** Caller's side of step s after its cells: the LSTM projection, then outputs and ended rows. */
static void fewRowsStepFinish(FewRowsPass& p, int threads) {
  const SeqArgs& a = *p.a;
  const int B = a.B, H = a.H, P = a.P, s = p.s;
  float* hPrev = fewHBuf(p, s);
  float* hNext = fewHBuf(p, s + 1);
  if (a.wHr) {
    const float* raw[FEW_ROWS_MAX_B];
    for (int b = 0; b < B; b++) raw[b] = a.hRawAll ? a.hRawAll + ((long)s * B + b) * H : p.raw + (long)b * H;
    gemvRowsThreaded(B, P, H, raw, a.wHr, H, hNext, P, GemvStore{1.0f, 0.0f, nullptr}, threads);
  }
  for (int b = 0; b < B; b++) {
    const int r = fewRow(a, s, b);
    if (r >= 0) {
      if (a.out) std::memcpy(a.out + r * a.outStride, hNext + (long)b * P, sizeof(float) * P);
    } else {
      // Past the end of this sequence: carry the state; the output stays 0.
      std::memcpy(hNext + (long)b * P, hPrev + (long)b * P, sizeof(float) * P);
      if (a.mode == MODE_LSTM) {
        std::memcpy(fewCBuf(p, s + 1) + (long)b * H, fewCBuf(p, s) + (long)b * H, sizeof(float) * H);
      }
    }
  }
}

/** sequenceForward for a.B <= FEW_ROWS_MAX_B. */
static void fewRowsSequenceForward(const SeqArgs& a, int threads) {
  const int T = a.T, B = a.B, I = a.I, H = a.H, P = a.P, N = T * B;
  const bool lstm = a.mode == MODE_LSTM;
  FewRowsPass p = {};
  p.a = &a;
  p.G = a.mode == MODE_RNN ? 1 : lstm ? 4 : 3;
  p.GH = p.G * H;
  const int GH = p.GH;
  // A pass of a few rows in all multiplies W_ih inside each step; a longer one (priming) in one
  // GEMM up front, which reuses each weight over every step.
  if (N > FEW_ROWS_MAX_B) {
    float* xg = tlFewXg.get((size_t)N * GH);
    gemm(false, true, N, GH, I, 1.0f, a.x, a.wIh, 0.0f, xg, threads);
    p.xgAll = xg;
  }
  if (a.mode == MODE_GRU) {
    p.bx = a.bIh;
    p.bh = a.bHh;
  } else if (a.bIh && a.bHh) {
    float* bias = tlFewBias.get(GH);
    for (int i = 0; i < GH; i++) bias[i] = a.bIh[i] + a.bHh[i];
    p.bx = bias;
  } else {
    p.bx = a.bIh ? a.bIh : a.bHh;
  }
  if (!a.hAll) p.ringH = tlFewRingH.get((size_t)2 * B * P);
  if (lstm && !a.cAll) p.ringC = tlFewRingC.get((size_t)2 * B * H);
  if (a.wHr && !a.hRawAll) p.raw = tlFewRaw.get((size_t)B * H);

  float* h0 = fewHBuf(p, 0);
  if (a.h0) std::memcpy(h0, a.h0, sizeof(float) * B * P);
  else std::memset(h0, 0, sizeof(float) * B * P);
  if (lstm) {
    float* c0 = fewCBuf(p, 0);
    if (a.c0) std::memcpy(c0, a.c0, sizeof(float) * B * H);
    else std::memset(c0, 0, sizeof(float) * B * H);
  }
  if (T > 0 && a.out) zeroOutputRows(a.out, N, P, a.outStride);

  const double stepMacs = (double)B * GH * ((p.xgAll ? 0 : I) + P);
  const int nt = stepMacs < FEW_ROWS_THREAD_MIN_MACS ? 1 : imax(1, imin(threads, (H + VL - 1) / VL));
  for (int s = 0; s < T; s++) {
    p.s = s;
    const float* hPrev = fewHBuf(p, s);
    for (int b = 0; b < B; b++) {
      p.hPrevRows[b] = hPrev + (long)b * P;
      // An ended row's product is discarded; any row of x will do for it.
      const int r = fewRow(a, s, b);
      p.x[b] = a.x + (long)(r >= 0 ? r : s * B + b) * I;
    }
    if (nt > 1) parallelRun(nt, fewRowsStepTask, &p);
    else fewRowsStepTask(&p, 0, 1);
    fewRowsStepFinish(p, threads);
  }
  std::memcpy(a.hN, fewHBuf(p, T), sizeof(float) * B * P);
  if (lstm && a.cN) std::memcpy(a.cN, fewCBuf(p, T), sizeof(float) * B * H);
}
