// Whole recurrent layer passes for one instruction set (after gemm.h and cells.h); the same
// semantics as src/kernels/sequence.ts (step order via rows, per-sequence lengths, LSTM
// projection, GRU's b_hn inside the reset product).
//
//   x: [T, B, I], h0: [B, P], c0: [B, H] -> out: [T, B, P], hN: [B, P], cN: [B, H]
//
// Batch rows never interact inside a layer, so the step loop runs on each thread for its own
// slice of the batch with no synchronisation per step; the weight gradients are GEMMs over many
// steps' rows, split over tiles: backward runs its step loop a chunk of steps at a time and
// multiplies each chunk's gate gradients while they are in cache (SeqJob::dHg), or over all steps
// afterwards. The input-side products (x W_ih^T forward, dXg W_ih backward) run in the step loop
// while their rows are in cache, or as one GEMM over all steps (inputSidePerStep). The weights
// are packed once per pass. Results do not depend on the thread count: every sum runs in the same
// order whatever the split.

static int gateCount(int mode) { return mode == MODE_RNN ? 1 : mode == MODE_LSTM ? 4 : 3; }

static thread_local Scratch tlXg, tlWih, tlWhh, tlWhr, tlBias, tlRingH, tlRingC, tlDXg, tlDHg, tlDXgNext, tlDHgNext,
    tlDProj;
static thread_local Scratch tlStepHg, tlStepXg, tlStepRaw, tlStepDhRaw,
    tlStepDXg, tlStepDHg;

/**
 * The weight-gradient products of one chunk of steps, made in the parallel section after the one
 * that ran its steps (while the next chunk's steps run): ctH = hAll^T dHg, ctX = x^T dXg (+ beta
 * times the earlier chunks'), with the gate gradients packed (SeqJob::dHg), over the chunk's K
 * rows of hAll and x. In GRU's step order dXg holds only the n part: its r and z columns are dHg's.
 */
struct PendingProducts {
  int K;
  float beta;
  const float *hAllRows, *xRows, *dHg, *dXg;
  bool dXgOnlyN;
};

struct SeqJob {
  const SeqArgs* a;
  int G, GH;
  /** Each step's rows are one block of B time-major rows (rowsAreBlocks). */
  bool blockRows;
  /** Forward: x W_ih^T per step against wihP (else xg holds all steps'); backward: dx likewise. */
  bool xgPerStep, dxPerStep;
  /**
   * Forward: h0 is absent (zeros) and W_hh finite, so step 0's recurrent product is exactly 0 and
   * is skipped (with an infinite or NaN weight the reference's 0 * w would be NaN).
   */
  bool step0HgZero;
  const float *wihP, *whhP, *whrP, *bx, *bh, *xg;
  float *ringH, *ringC, *dProj;
  // Backward. The gate gradients: dHg in step rows, dXg in the time-major rows of x (RNN and LSTM
  // in step order: one buffer for both). Row-major [T*B, GH] for all steps; or, where the weight
  // gradient is made transposed (flipWeightGradient), packed as that product's op(B), one chunk of
  // steps at a time (rows in the order of the chunk's rows of x or hAll): the step loop runs a
  // chunk, then the product takes it while it is in cache, instead of a pass over all steps'
  // gradients through memory. dXg is packed for all steps at once when its rows are not blocks.
  float *dXg, *dHg;
  bool dXgPacked, dHgPacked, dXgChunked;
  /** GRU in step order with both packed: dXg holds only the n part; its r and z parts are dHg's. */
  bool dXgOnlyN;
  /** The chunk of steps [sLo, sHi) the step loop runs next (backwards); its first row of x. */
  int sLo, sHi;
  long chunkXRow0;
  /** Kept between chunks: dh entering each step, [2][B, P] by the step's parity; LSTM's dc [B, H]. */
  float *dhState, *dcState;
  /** Whether this parallel section runs the step loop over [sLo, sHi) (else only the pending products). */
  bool runSteps;
  /** Tasks that run the step loop, each on its slice of the batch; the section may have more, for the products. */
  int stepThreads;
  PendingProducts pending;
  /** The transposed dW_hh [P, GH] and dW_ih [I, GH] the products add into. */
  float *ctH, *ctX;
  /** Per batch row, the bias gradient sums over its steps: [B][biasWidth] (dXg's GH, then GRU's dHg n part). */
  float* biasRows;
  int biasWidth;
};

/**
 * Whether each step's rows are one time-major block of the batch (rows[s*B + b] = t_s*B + b): no
 * rows map, or one that runs every sequence over all T steps forward or backward (a reverse pass
 * without lengths). Then the step's inputs and input gradients are contiguous rows, as in step order.
 */
static bool rowsAreBlocks(const SeqArgs& a) {
  if (!a.rows) return true;
  const int T = a.T, B = a.B;
  bool forward = true, backward = true;
  for (int s = 0; s < T && (forward || backward); s++) {
    for (int b = 0; b < B; b++) {
      const int32_t r = a.rows[(long)s * B + b];
      forward = forward && r == s * B + b;
      backward = backward && r == (T - 1 - s) * B + b;
    }
  }
  return forward || backward;
}

/** The time-major row of step s's batch row 0 (for blockRows). */
static long blockRow(const SeqArgs& a, int s) { return a.rows ? a.rows[(long)s * a.B] : (long)s * a.B; }

/** A weight packed once per pass as op(B) ([K, N], transposed when transB) into this thread's scratch. */
static const float* packedWeight(Scratch& scratch, bool transB, const float* w, int N, int K) {
  float* packed = scratch.get(packedBSize(N, K));
  packBAll(transB, w, N, K, packed);
  return packed;
}

/** Whether w[0, n) holds no infinity or NaN (w * 0 is then 0, else NaN). */
static bool allFinite(const float* w, size_t n) {
  V acc[4] = {};
  size_t i = 0;
  for (; i + 4 * VL <= n; i += 4 * VL) {
#pragma GCC unroll 4
    for (int u = 0; u < 4; u++) acc[u] += ld(w + i + u * VL) * 0.0f;
  }
  for (; i < n; i += VL) acc[0] += ldp(w + i, imin(VL, (int)(n - i))) * 0.0f;
  const V sum = (acc[0] + acc[1]) + (acc[2] + acc[3]);
  for (int l = 0; l < VL; l++) {
    if (sum[l] != 0.0f) return false;
  }
  return true;
}

/** Batch rows [b0, b1) of thread t: slices aligned to the micro-tile height where possible. */
static void sliceRows(int B, int t, int nt, int* b0, int* b1) {
  int units = (B + MR - 1) / MR;
  if (units >= nt) {
    *b0 = imin(B, units * t / nt * MR);
    *b1 = imin(B, units * (t + 1) / nt * MR);
  } else {
    *b0 = B * t / nt;
    *b1 = B * (t + 1) / nt;
  }
}

static void seqForwardTask(void* p, int t, int nt) {
  const SeqJob& j = *static_cast<SeqJob*>(p);
  const SeqArgs& a = *j.a;
  const int T = a.T, B = a.B, H = a.H, P = a.P, GH = j.GH;
  int b0, b1;
  sliceRows(B, t, nt, &b0, &b1);
  const int nb = b1 - b0;
  if (nb <= 0) return;
  const bool lstm = a.mode == MODE_LSTM;
  float* hgStep = tlStepHg.get((size_t)nb * GH);
  // LSTM with the input side per step: both sides in one product, summed in registers.
  const bool fusedPre = j.xgPerStep && lstm;
  float* xgStep = j.xgPerStep && !fusedPre ? tlStepXg.get((size_t)nb * GH) : nullptr;
  float* rawStep = a.wHr ? tlStepRaw.get((size_t)nb * H) : nullptr;
  // Without saved states, when each step's rows are a block the output of step s - 1 is h(s) itself.
  const bool hInOut = a.out && !a.hAll && j.blockRows && a.outStride == P;
  auto hBuf = [&](int s) {
    return a.hAll ? a.hAll + (long)s * B * P
         : hInOut && s > 0 ? a.out + blockRow(a, s - 1) * P : j.ringH + (long)(s & 1) * B * P;
  };
  auto cBuf = [&](int s) { return a.cAll ? a.cAll + (long)s * B * H : j.ringC + (long)(s & 1) * B * H; };

  // Initial state of this slice.
  float* h0dst = hBuf(0) + (long)b0 * P;
  if (a.h0) std::memcpy(h0dst, a.h0 + (long)b0 * P, sizeof(float) * nb * P);
  else std::memset(h0dst, 0, sizeof(float) * nb * P);
  if (lstm) {
    float* c0dst = cBuf(0) + (long)b0 * H;
    if (a.c0) std::memcpy(c0dst, a.c0 + (long)b0 * H, sizeof(float) * nb * H);
    else std::memset(c0dst, 0, sizeof(float) * nb * H);
  }

  for (int s = 0; s < T; s++) {
    float* hPrev = hBuf(s);
    float* hNext = hBuf(s + 1);
    // The step's recurrent pre-activations stay in cache; GRU saves only its n part for backward.
    float* hg = hgStep;
    const float* xRows = a.x + (blockRow(a, s) + b0) * a.I;
    const bool hgZero = s == 0 && j.step0HgZero;
    if (fusedPre) {
      gemmPackedBSum(nb, GH, a.I, xRows, a.I, j.wihP, hgZero ? 0 : P, hPrev + (long)b0 * P, P, j.whhP, hg, GH);
    } else {
      if (j.xgPerStep) gemmPackedB(nb, GH, a.I, xRows, a.I, j.wihP, 0.0f, xgStep, GH);
      if (hgZero) std::memset(hg, 0, sizeof(float) * nb * GH);
      else gemmPackedB(nb, GH, P, hPrev + (long)b0 * P, P, j.whhP, 0.0f, hg, GH);
    }
    for (int b = b0; b < b1; b++) {
      int r = a.rows ? a.rows[s * B + b] : s * B + b;
      if (r < 0) continue;
      const float* xs = fusedPre ? hg + (long)(b - b0) * GH : j.xgPerStep ? xgStep + (long)(b - b0) * GH : j.xg + (long)r * GH;
      float* hgb = fusedPre ? nullptr : hg + (long)(b - b0) * GH;
      float* gates = a.gatesAll ? a.gatesAll + ((long)s * B + b) * GH : nullptr;
      float* hCell = !a.wHr ? hNext + (long)b * P
                   : a.hRawAll ? a.hRawAll + ((long)s * B + b) * H : rawStep + (long)(b - b0) * H;
      if (a.mode == MODE_RNN) {
        rnnRowForward(H, a.act, a.slope, xs, hgb, j.bx, hCell);
      } else if (lstm) {
        lstmRowForward(H, xs, hgb, j.bx, cBuf(s) + (long)b * H, gates, cBuf(s + 1) + (long)b * H, hCell);
      } else {
        float* hnSaved = a.hgAll ? a.hgAll + ((long)s * B + b) * GH + 2 * H : nullptr;
        gruRowForward(H, xs, hgb, j.bx, j.bh, hPrev + (long)b * P, gates, hCell, hnSaved);
      }
    }
    if (a.wHr) {
      const float* raw = a.hRawAll ? a.hRawAll + ((long)s * B + b0) * H : rawStep;
      gemmPackedB(nb, P, H, raw, H, j.whrP, 0.0f, hNext + (long)b0 * P, P);
    }
    for (int b = b0; b < b1; b++) {
      int r = a.rows ? a.rows[s * B + b] : s * B + b;
      if (r >= 0) {
        if (a.out && !hInOut) std::memcpy(a.out + r * a.outStride, hNext + (long)b * P, sizeof(float) * P);
      } else {
        // Past the end of this sequence: carry the state; the output stays 0.
        std::memcpy(hNext + (long)b * P, hPrev + (long)b * P, sizeof(float) * P);
        if (lstm) std::memcpy(cBuf(s + 1) + (long)b * H, cBuf(s) + (long)b * H, sizeof(float) * H);
      }
    }
  }
  std::memcpy(a.hN + (long)b0 * P, hBuf(T) + (long)b0 * P, sizeof(float) * nb * P);
  if (lstm && a.cN) std::memcpy(a.cN + (long)b0 * H, cBuf(T) + (long)b0 * H, sizeof(float) * nb * H);
}

static int sequenceThreads(int B, int threads) {
  int nt = imin(threads, imax(1, B / 4));
  return nt < 1 ? 1 : nt;
}

// Packed W_ih and W_hh up to this size stay in a core's L2 cache through the step loop.
static const double XG_PER_STEP_WEIGHT_BYTES = 1.5 * 1024 * 1024;

/**
 * Whether the input-side products (forward: x W_ih^T, backward: dXg W_ih) are made in the step
 * loop, on rows still in cache, rather than as one GEMM over all steps with a [T*B, G*H] round
 * trip through memory: when each step's rows are contiguous (blockRows), and when W_ih then stays
 * in cache with W_hh or streaming it every step costs less than that round trip.
 */
static bool inputSidePerStep(const SeqArgs& a, bool blockRows, int GH, int threads) {
  const int nt = sequenceThreads(a.B, threads);
  const int rowsPerThread = (a.B + nt - 1) / nt;
  const double weightBytes = 4.0 * ((double)packedBSize(GH, a.I) + (double)packedBSize(GH, a.P));
  return blockRows && (weightBytes <= XG_PER_STEP_WEIGHT_BYTES || a.I <= 2 * rowsPerThread);
}

static void sequenceForward(const SeqArgs& a, int threads) {
  if (a.B <= FEW_ROWS_MAX_B) return fewRowsSequenceForward(a, threads);
  const int T = a.T, B = a.B, I = a.I, H = a.H, P = a.P, N = T * B;
  SeqJob j = {};
  j.a = &a;
  j.G = gateCount(a.mode);
  j.GH = j.G * H;
  const int GH = j.GH;
  // The input projection, per step or for all steps in one GEMM (inputSidePerStep). The biases are
  // added inside the cells.
  j.blockRows = rowsAreBlocks(a);
  j.xgPerStep = inputSidePerStep(a, j.blockRows, GH, threads);
  if (j.xgPerStep) {
    j.wihP = packedWeight(tlWih, true, a.wIh, GH, I);
  } else {
    float* xg = tlXg.get((size_t)N * GH);
    gemm(false, true, N, GH, I, 1.0f, a.x, a.wIh, 0.0f, xg, threads);
    j.xg = xg;
  }
  if (a.mode == MODE_GRU) {
    j.bx = a.bIh;
    j.bh = a.bHh;
  } else if (a.bIh || a.bHh) {
    float* bias = tlBias.get(GH);
    for (int i = 0; i < GH; i++) bias[i] = (a.bIh ? a.bIh[i] : 0.0f) + (a.bHh ? a.bHh[i] : 0.0f);
    j.bx = bias;
  }
  // Batches of FEW_ROWS_MAX_B or fewer took fewRowsSequenceForward: here packing W_hh pays.
  j.whhP = packedWeight(tlWhh, true, a.wHh, GH, P);
  j.step0HgZero = !a.h0 && allFinite(a.wHh, (size_t)GH * P);
  if (a.wHr) j.whrP = packedWeight(tlWhr, true, a.wHr, P, H);
  if (!a.hAll) j.ringH = tlRingH.get((size_t)2 * B * P);
  if (a.mode == MODE_LSTM && !a.cAll) j.ringC = tlRingC.get((size_t)2 * B * H);
  // Steps past a sequence's end leave their output rows 0; with block rows every row is written.
  if (T > 0 && a.out && !j.blockRows) zeroOutputRows(a.out, N, P, a.outStride);
  parallelRun(sequenceThreads(B, threads), seqForwardTask, &j);
}

/** acc[0, n) += src[0, n). */
static void addRowInto(int n, const float* src, float* acc) {
  for (int c = 0; c < n; c += VL) {
    const int m = imin(VL, n - c);
    stp(acc + c, ldp(acc + c, m) + ldp(src + c, m), m);
  }
}

/**
 * Row `row` of a [K, cols] matrix kept as the packed op(B) of a GEMM (packBPanels' layout
 * [panels(cols, NR)][K][NR], zero past cols): the step loop writes its gate gradients straight
 * into the layout the weight-gradient product reads, instead of a row-major copy packed later.
 */
static void storePackedRow(const float* src, int cols, long row, long K, float* dst) {
  for (int p = 0, c0 = 0; c0 < cols; p++, c0 += NR) {
    float* d = dst + ((long)p * K + row) * NR;
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) {
      const int n = imin(VL, cols - c0 - v * VL);
      st(d + v * VL, n > 0 ? ldp(src + c0 + v * VL, n) : V{});
    }
  }
}

static void seqBackwardTask(void* p, int t, int nt) {
  const SeqJob& j = *static_cast<SeqJob*>(p);
  const SeqArgs& a = *j.a;
  const int T = a.T, B = a.B, H = a.H, P = a.P, GH = j.GH;
  int b0, b1;
  sliceRows(B, t, nt, &b0, &b1);
  const int nb = b1 - b0;
  if (nb <= 0) return;
  const bool lstm = a.mode == MODE_LSTM, gru = a.mode == MODE_GRU;
  // Rows of the chunk's packed gate gradients (all steps' for dXg when not chunked).
  const long chunkRows = (long)(j.sHi - j.sLo) * B, xgRows = j.dXgChunked ? chunkRows : (long)T * B;
  const long xgRow0 = j.dXgChunked ? j.chunkXRow0 : 0;
  // dh entering step s is dhState[(T - 1 - s) & 1]: this slice's rows of it.
  auto dhOf = [&](int s) { return j.dhState + (long)((T - 1 - s) & 1) * B * P + (long)b0 * P; };
  float* dh = dhOf(j.sHi - 1);
  float* dhPrev = dhOf(j.sHi - 2);
  float* dc = lstm ? j.dcState + (long)b0 * H : nullptr;
  float* dhRawBuf = a.wHr ? tlStepDhRaw.get((size_t)nb * H) : nullptr;
  // A step's gate gradients, row-major, where the all-steps matrices are packed.
  float* dHgStep = j.dHgPacked ? tlStepDHg.get((size_t)nb * GH) : nullptr;
  float* dXgStep = gru && j.dXgPacked ? tlStepDXg.get((size_t)nb * GH) : nullptr;
  const int bw = j.biasWidth;
  float* bias = j.biasRows ? j.biasRows + (long)b0 * bw : nullptr;
  if (j.sHi == T) {
    if (bias) std::memset(bias, 0, sizeof(float) * nb * bw);
    std::memcpy(dh, a.dhN + (long)b0 * P, sizeof(float) * nb * P);
    if (lstm) {
      if (a.dcN) std::memcpy(dc, a.dcN + (long)b0 * H, sizeof(float) * nb * H);
      else std::memset(dc, 0, sizeof(float) * nb * H);
    }
  }

  for (int s = j.sHi - 1; s >= j.sLo; s--) {
    const long sRow = (long)s * B + b0;
    float* dhRaw = a.wHr ? dhRawBuf : dh;  // dh swaps buffers every step
    for (int b = b0; b < b1 && a.dOut; b++) {
      int r = a.rows ? a.rows[s * B + b] : s * B + b;
      if (r < 0) continue;
      float* d = dh + (long)(b - b0) * P;
      const float* g = a.dOut + (long)r * P;
      for (int i = 0; i < P; i++) d[i] += g[i];
    }
    if (a.wHr) {
      std::memcpy(j.dProj + sRow * P, dh, sizeof(float) * nb * P);
      gemmPackedB(nb, H, P, dh, P, j.whrP, 0.0f, dhRaw, H);
    }
    float* dHg = dHgStep ? dHgStep : j.dHg + sRow * GH;
    // GRU's dXg rows of this step, when they are contiguous (RNN and LSTM: dHg's rows).
    float* dXg = dXgStep ? dXgStep : gru && j.blockRows ? j.dXg + (blockRow(a, s) + b0) * GH : nullptr;
    for (int b = b0; b < b1; b++) {
      const int lb = b - b0;
      int r = a.rows ? a.rows[s * B + b] : s * B + b;
      float* dHgb = dHg + (long)lb * GH;
      if (r < 0) {
        // Ended sequence: the step was the identity on the state; nothing reaches the weights.
        std::memset(dHgb, 0, sizeof(float) * GH);
        if (a.wHr) std::memset(j.dProj + ((long)s * B + b) * P, 0, sizeof(float) * P);
        continue;
      }
      const long sb = (long)s * B + b;
      const bool copyToDXg = j.dXg != j.dHg && !j.dXgPacked;
      if (a.mode == MODE_RNN) {
        const float* hCell = a.wHr ? a.hRawAll + sb * H : a.hAll + (sb + B) * P;
        rnnRowBackward(H, a.act, a.slope, hCell, dhRaw + (long)lb * H, dHgb);
        if (copyToDXg) std::memcpy(j.dXg + (long)r * GH, dHgb, sizeof(float) * GH);
      } else if (lstm) {
        lstmRowBackward(H, a.gatesAll + sb * GH, a.cAll + sb * H, a.cAll + (sb + B) * H, dhRaw + (long)lb * H,
                        dc + (long)lb * H, dHgb);
        if (copyToDXg) std::memcpy(j.dXg + (long)r * GH, dHgb, sizeof(float) * GH);
      } else {
        float* dXgb = dXg ? dXg + (long)lb * GH : j.dXg + (long)r * GH;
        // The direct part of dh(s - 1) (through z), to which the product below adds the rest.
        gruRowBackward(H, a.gatesAll + sb * GH, a.hgAll + sb * GH, a.hAll + sb * P, dhRaw + (long)lb * H, dXgb,
                       dHgb, dhPrev + (long)lb * P);
      }
    }
    // dh entering step 0 only reaches dh0.
    if (s > 0 || a.dh0) gemmPackedB(nb, P, GH, dHg, GH, j.whhP, gru ? 1.0f : 0.0f, dhPrev, P);
    if (j.dxPerStep) {
      const long row = blockRow(a, s) + b0;
      gemmPackedB(nb, a.I, GH, gru ? dXg : dHg, GH, j.wihP, 1.0f, a.dx + row * a.I, a.I);
    }
    // The step's rows into the packed gate gradients and the bias sums.
    for (int b = b0; b < b1; b++) {
      const int lb = b - b0;
      int r = a.rows ? a.rows[s * B + b] : s * B + b;
      const float* hRow = dHg + (long)lb * GH;
      if (j.dHgPacked) storePackedRow(hRow, GH, (long)(s - j.sLo) * B + b, chunkRows, j.dHg);
      if (r < 0) continue;
      const float* xRow = !gru ? hRow : dXg ? dXg + (long)lb * GH : j.dXg + (long)r * GH;
      if (j.dXgOnlyN) storePackedRow(xRow + 2 * H, H, r - xgRow0, xgRows, j.dXg);
      else if (j.dXgPacked) storePackedRow(xRow, GH, r - xgRow0, xgRows, j.dXg);
      if (bias) {
        float* acc = bias + (long)lb * bw;
        addRowInto(GH, xRow, acc);
        if (gru) addRowInto(H, hRow + 2 * H, acc + GH);
      }
    }
    for (int b = b0; b < b1; b++) {
      const int lb = b - b0;
      int r = a.rows ? a.rows[s * B + b] : s * B + b;
      if (r < 0) std::memcpy(dhPrev + (long)lb * P, dh + (long)lb * P, sizeof(float) * P);
    }
    float* tmp = dh; dh = dhPrev; dhPrev = tmp;
  }
  if (j.sLo == 0) {
    if (a.dh0) {
      float* d = a.dh0 + (long)b0 * P;
      for (long i = 0; i < (long)nb * P; i++) d[i] += dh[i];
    }
    if (a.dc0 && lstm) {
      float* d = a.dc0 + (long)b0 * H;
      for (long i = 0; i < (long)nb * H; i++) d[i] += dc[i];
    }
  }
}

static thread_local Scratch tlFlipped, tlFlippedX, tlBiasRows, tlDhState, tlDcState;

/**
 * Whether the weight gradient C[M, N] += G^T X (G [K, M] a pre-activation gradient over all K
 * rows of steps, X [K, N] the layer's inputs or states) is better made transposed, C^T = X^T G
 * into scratch, added in transposed. For narrow C (few column panels: the input or hidden width
 * against M = G*H gate rows) this packs the big G untransposed with whole-vector copies (or finds
 * it packed by the step loop) and reuses each of its panels from L1 over all of C^T's rows, where
 * the direct product reuses each packed G panel once per column panel (measured on AVX-512: W5's
 * dW_ih and dW_hh 15-25% faster, W2's dW_ih 25%; wide C, e.g. 1024 x 256, a few percent slower).
 * Also when it pads the micro-tile much less. (dx = dXg W_ih flipped measured slower: its B would
 * need the transposing pack.)
 */
static bool flipWeightGradient(int M, int N) {
  const double direct = (double)panels(M, MR) * MR * panels(N, NR) * NR;
  const double flipped = (double)panels(N, MR) * MR * panels(M, NR) * NR;
  const bool narrow = N < M && panels(N, NR) <= 4;
  return narrow || flipped * 8 <= direct * 7;
}

/** C[M, N] += Ct[N, M]^T. */
static void addTransposed(int M, int N, const float* Ct, float* C) {
  for (int i = 0; i < M; i++) {
    float* c = C + (long)i * N;
    for (int j = 0; j < N; j++) c[j] += Ct[(long)j * M + i];
  }
}

/**
 * Thread t of nt's tiles of C[M, N] (row stride ldc) = X^T G + beta C, for X [K, M] (row stride
 * ldx) and G [K, N] already packed as op(B) (packBPanels' layout); split as gemm splits C.
 */
static void transposedProductTiles(int M, int N, int K, const float* X, long ldx, const float* Gp, float beta,
                                   float* C, long ldc, int t, int nt) {
  const int mP = panels(M, MR), nP = panels(N, NR);
  const AOperand a = {X, ldx, true, packTransposedA(ldx)};
  if (nP >= mP) computeBlock(M, N, K, a, Gp, C, ldc, 1.0f, beta, 0, mP, nP * t / nt, nP * (t + 1) / nt);
  else computeBlock(M, N, K, a, Gp, C, ldc, 1.0f, beta, mP * t / nt, mP * (t + 1) / nt, 0, nP);
}

/** Thread t of nt's share of the pending products. */
static void pendingProductTiles(const SeqJob& j, int t, int nt) {
  const PendingProducts& q = j.pending;
  const SeqArgs& a = *j.a;
  const int GH = j.GH, H = a.H, I = a.I;
  if (q.K <= 0) return;
  if (q.hAllRows) transposedProductTiles(a.P, GH, q.K, q.hAllRows, a.P, q.dHg, q.beta, j.ctH, GH, t, nt);
  if (!q.xRows) return;
  if (q.dXgOnlyN) {
    transposedProductTiles(I, 2 * H, q.K, q.xRows, I, q.dHg, q.beta, j.ctX, GH, t, nt);
    transposedProductTiles(I, H, q.K, q.xRows, I, q.dXg, q.beta, j.ctX + 2 * H, GH, t, nt);
  } else {
    transposedProductTiles(I, GH, q.K, q.xRows, I, q.dXg, q.beta, j.ctX, GH, t, nt);
  }
}

/** One parallel section of backward: the previous chunk's products, then this chunk's steps. */
static void seqBackwardChunkTask(void* p, int t, int nt) {
  const SeqJob& j = *static_cast<SeqJob*>(p);
  pendingProductTiles(j, t, nt);
  if (j.runSteps && t < j.stepThreads) seqBackwardTask(p, t, j.stepThreads);
}

/** C[M, N] += G^T X for G [K, M] row-major (see flipWeightGradient). */
static void addWeightGradient(int M, int N, int K, const float* G, const float* X, float* C, int threads) {
  if (!flipWeightGradient(M, N)) {
    gemm(true, false, M, N, K, 1.0f, G, X, 1.0f, C, threads);
    return;
  }
  float* Ct = tlFlipped.get((size_t)N * M);
  gemm(true, false, N, M, K, 1.0f, X, G, 0.0f, Ct, threads);
  addTransposed(M, N, Ct, C);
}

/**
 * dBIh and dBHh from the per-row sums of the step loop, added over the batch rows in order (the
 * same sums whatever the thread split): dXg's columns, and GRU's n part of dHg (the other parts of
 * dHg equal dXg's; RNN and LSTM: everywhere).
 */
static void addBiasGradients(const SeqArgs& a, const SeqJob& j) {
  const int GH = j.GH, bw = j.biasWidth;
  const bool gru = a.mode == MODE_GRU;
  float* sum = tlBias.get(bw);
  std::memset(sum, 0, sizeof(float) * bw);
  for (int b = 0; b < a.B; b++) addRowInto(bw, j.biasRows + (long)b * bw, sum);
  if (a.dBIh) for (int i = 0; i < GH; i++) a.dBIh[i] += sum[i];
  if (a.dBHh) {
    const int shared = gru ? 2 * a.H : GH;
    for (int i = 0; i < shared; i++) a.dBHh[i] += sum[i];
    for (int i = shared; i < GH; i++) a.dBHh[i] += sum[GH + i - shared];
  }
}

static void sequenceBackward(const SeqArgs& a, int threads) {
  const int T = a.T, B = a.B, I = a.I, H = a.H, P = a.P, N = T * B;
  SeqJob j = {};
  j.a = &a;
  j.G = gateCount(a.mode);
  j.GH = j.G * H;
  const int GH = j.GH;
  const bool gru = a.mode == MODE_GRU;
  j.blockRows = rowsAreBlocks(a);
  j.dxPerStep = a.dx && inputSidePerStep(a, j.blockRows, GH, threads);
  // RNN and LSTM pre-activations have one gradient for both sides; stored once when the rows of
  // the input side are the steps' own rows (no rows map).
  const bool oneGateGradient = !gru && !a.rows;
  j.dHgPacked = !oneGateGradient && a.dWHh && N > 0 && flipWeightGradient(GH, P);
  j.dXgPacked = !oneGateGradient && a.dWIh && N > 0 && flipWeightGradient(GH, I) && (!a.dx || j.dxPerStep);
  j.dXgChunked = j.dXgPacked && j.blockRows;
  j.dXgOnlyN = gru && !a.rows && j.dHgPacked && j.dXgPacked && (2 * H) % NR == 0;
  // Chunks of about one K block of the products.
  const int chunkSteps = imax(1, KC / imax(1, B));
  const long chunkRows = (long)imin(T, chunkSteps) * B;
  // Packed chunks are double-buffered: a chunk's products run while the next chunk's steps fill the other.
  float *dHgBuf[2], *dXgBuf[2];
  if (j.dHgPacked) {
    dHgBuf[0] = tlDHg.get(packedBSize(GH, chunkRows));
    dHgBuf[1] = tlDHgNext.get(packedBSize(GH, chunkRows));
  } else {
    dHgBuf[0] = dHgBuf[1] = tlDHg.get((size_t)N * GH);
  }
  if (oneGateGradient) {
    dXgBuf[0] = dHgBuf[0];
    dXgBuf[1] = dHgBuf[1];
  } else if (j.dXgChunked) {
    const size_t size = packedBSize(j.dXgOnlyN ? H : GH, chunkRows);
    dXgBuf[0] = tlDXg.get(size);
    dXgBuf[1] = tlDXgNext.get(size);
  } else {
    const size_t size = j.dXgPacked ? packedBSize(GH, N) : (size_t)N * GH;
    dXgBuf[0] = dXgBuf[1] = tlDXg.get(size);
    // Rows a sequence never reaches (padding) get no gradient.
    if (!j.blockRows) std::memset(dXgBuf[0], 0, sizeof(float) * size);
  }
  if (a.dBIh || a.dBHh) {
    j.biasWidth = GH + (gru ? H : 0);
    j.biasRows = tlBiasRows.get((size_t)B * j.biasWidth);
  }
  j.dhState = tlDhState.get((size_t)2 * B * P);
  if (a.mode == MODE_LSTM) j.dcState = tlDcState.get((size_t)B * H);
  j.whhP = packedWeight(tlWhh, false, a.wHh, P, GH);
  if (a.wHr) {
    j.whrP = packedWeight(tlWhr, false, a.wHr, H, P);
    j.dProj = tlDProj.get((size_t)N * P);
  }
  if (j.dxPerStep) {
    j.wihP = packedWeight(tlWih, false, a.wIh, I, GH);
  }
  j.ctH = j.dHgPacked ? tlFlipped.get((size_t)P * GH) : nullptr;
  j.ctX = j.dXgPacked ? tlFlippedX.get((size_t)I * GH) : nullptr;
  j.stepThreads = sequenceThreads(B, threads);
  const int nt = j.dHgPacked || j.dXgPacked ? imax(j.stepThreads, threads) : j.stepThreads;
  // Chunk c's steps, then (with chunk c + 1's) its products; the first section runs even for T = 0.
  int sHi = T;
  bool firstProducts = true;
  for (int c = 0;; c++) {
    j.runSteps = c == 0 || sHi > 0;
    if (!j.runSteps && j.pending.K == 0) break;
    if (j.runSteps) {
      j.sHi = sHi;
      j.sLo = imax(0, sHi - chunkSteps);
      j.dHg = dHgBuf[c & 1];
      j.dXg = dXgBuf[c & 1];
      if (j.blockRows && sHi > j.sLo) {
        const long first = blockRow(a, j.sLo), last = blockRow(a, sHi - 1);
        j.chunkXRow0 = first < last ? first : last;
      }
    }
    parallelRun(nt, seqBackwardChunkTask, &j);
    j.pending = PendingProducts{};
    if (!j.runSteps) break;
    if (j.sLo < j.sHi && (j.dHgPacked || j.dXgChunked)) {
      PendingProducts& q = j.pending;
      q.K = (j.sHi - j.sLo) * B;
      q.beta = firstProducts ? 0.0f : 1.0f;
      q.hAllRows = j.dHgPacked ? a.hAll + (long)j.sLo * B * P : nullptr;
      q.xRows = j.dXgChunked ? a.x + j.chunkXRow0 * I : nullptr;
      q.dHg = j.dHg;
      q.dXg = j.dXg;
      q.dXgOnlyN = j.dXgOnlyN;
      firstProducts = false;
    }
    sHi = j.sLo;
  }
  if (j.dXgPacked && !j.dXgChunked) {
    j.runSteps = false;
    j.pending = PendingProducts{N, 0.0f, nullptr, a.x, nullptr, j.dXg, false};
    parallelRun(nt, seqBackwardChunkTask, &j);
  }
  if (j.dHgPacked) addTransposed(GH, P, j.ctH, a.dWHh);
  if (j.dXgPacked) addTransposed(GH, I, j.ctX, a.dWIh);

  if (a.dx && !j.dxPerStep) gemm(false, false, N, I, GH, 1.0f, j.dXg, a.wIh, 1.0f, a.dx, threads);
  if (a.dWIh && !j.dXgPacked) addWeightGradient(GH, I, N, j.dXg, a.x, a.dWIh, threads);
  if (a.dWHh && !j.dHgPacked) addWeightGradient(GH, P, N, j.dHg, a.hAll, a.dWHh, threads);
  if (j.biasRows) addBiasGradients(a, j);
  if (a.dWHr) addWeightGradient(P, H, N, j.dProj, a.hRawAll, a.dWHr, threads);
}
