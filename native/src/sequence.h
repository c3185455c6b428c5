// Whole recurrent layer passes for one instruction set (after gemm.h and cells.h); the same
// semantics as src/kernels/sequence.ts (step order via rows, per-sequence lengths, LSTM
// projection, GRU's b_hn inside the reset product).
//
//   x: [T, B, I], h0: [B, P], c0: [B, H] -> out: [T, B, P], hN: [B, P], cN: [B, H]
//
// Batch rows never interact inside a layer, so the step loop runs on each thread for its own
// slice of the batch with no synchronisation per step; the weight gradients are big GEMMs over
// all steps, split over tiles afterwards. The input-side products (x W_ih^T forward, dXg W_ih
// backward) run in the step loop while their rows are in cache, or as one GEMM over all steps
// (inputSidePerStep). The weights are packed once per pass.

static int gateCount(int mode) { return mode == MODE_RNN ? 1 : mode == MODE_LSTM ? 4 : 3; }

static thread_local Scratch tlXg, tlWih, tlWhh, tlWhr, tlBias, tlRingH, tlRingC, tlDXg, tlDHg, tlDProj;
static thread_local Scratch tlStepHg, tlStepXg, tlStepRaw, tlStepDh, tlStepDhPrev, tlStepDc, tlStepDhRaw,
    tlStepDXg, tlStepDirect;

struct SeqJob {
  const SeqArgs* a;
  int G, GH;
  /** Forward: x W_ih^T per step against wihP (else xg holds all steps'); backward: dx likewise. */
  bool xgPerStep, dxPerStep;
  const float *wihP, *whhP, *whrP, *bx, *bh, *xg;
  float *ringH, *ringC, *dXg, *dHg, *dProj;
};

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
  float* xgStep = j.xgPerStep ? tlStepXg.get((size_t)nb * GH) : nullptr;
  float* rawStep = a.wHr ? tlStepRaw.get((size_t)nb * H) : nullptr;
  // Without saved states or a rows map the output of step s - 1 is h(s) itself, rows in step order.
  const bool hInOut = !a.hAll && !a.rows;
  auto hBuf = [&](int s) {
    return a.hAll ? a.hAll + (long)s * B * P
         : hInOut && s > 0 ? a.out + (long)(s - 1) * B * P : j.ringH + (long)(s & 1) * B * P;
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
    if (j.xgPerStep) gemmPackedB(nb, GH, a.I, a.x + ((long)s * B + b0) * a.I, a.I, j.wihP, 0.0f, xgStep, GH);
    gemmPackedB(nb, GH, P, hPrev + (long)b0 * P, P, j.whhP, 0.0f, hg, GH);
    for (int b = b0; b < b1; b++) {
      int r = a.rows ? a.rows[s * B + b] : s * B + b;
      if (r < 0) continue;
      const float* xs = j.xgPerStep ? xgStep + (long)(b - b0) * GH : j.xg + (long)r * GH;
      float* hgb = hg + (long)(b - b0) * GH;
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
        if (!hInOut) std::memcpy(a.out + (long)r * P, hNext + (long)b * P, sizeof(float) * P);
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
 * trip through memory: in step order only (no rows map: each step's rows are contiguous), and when
 * W_ih then stays in cache with W_hh or streaming it every step costs less than that round trip.
 */
static bool inputSidePerStep(const SeqArgs& a, int GH, int threads) {
  const int nt = sequenceThreads(a.B, threads);
  const int rowsPerThread = (a.B + nt - 1) / nt;
  const double weightBytes = 4.0 * ((double)packedBSize(GH, a.I) + (double)packedBSize(GH, a.P));
  return !a.rows && (weightBytes <= XG_PER_STEP_WEIGHT_BYTES || a.I <= 2 * rowsPerThread);
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
  j.xgPerStep = inputSidePerStep(a, GH, threads);
  if (j.xgPerStep) {
    float* wihP = tlWih.get(packedBSize(GH, I));
    packBAll(true, a.wIh, GH, I, wihP);
    j.wihP = wihP;
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
  float* whhP = tlWhh.get(packedBSize(GH, P));
  packBAll(true, a.wHh, GH, P, whhP);
  j.whhP = whhP;
  if (a.wHr) {
    float* whrP = tlWhr.get(packedBSize(P, H));
    packBAll(true, a.wHr, P, H, whrP);
    j.whrP = whrP;
  }
  if (!a.hAll) j.ringH = tlRingH.get((size_t)2 * B * P);
  if (a.mode == MODE_LSTM && !a.cAll) j.ringC = tlRingC.get((size_t)2 * B * H);
  // Steps past a sequence's end leave their output rows 0; without a rows map every row is written.
  if (T > 0 && a.rows) std::memset(a.out, 0, sizeof(float) * (size_t)N * P);
  parallelRun(sequenceThreads(B, threads), seqForwardTask, &j);
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
  float* dh = tlStepDh.get((size_t)nb * P);
  float* dhPrev = tlStepDhPrev.get((size_t)nb * P);
  float* dc = lstm ? tlStepDc.get((size_t)nb * H) : nullptr;
  float* dhRawBuf = a.wHr ? tlStepDhRaw.get((size_t)nb * H) : nullptr;
  float* dXgStep = gru ? tlStepDXg.get((size_t)nb * GH) : nullptr;
  float* dDirect = gru ? tlStepDirect.get((size_t)nb * H) : nullptr;
  std::memcpy(dh, a.dhN + (long)b0 * P, sizeof(float) * nb * P);
  if (lstm) {
    if (a.dcN) std::memcpy(dc, a.dcN + (long)b0 * H, sizeof(float) * nb * H);
    else std::memset(dc, 0, sizeof(float) * nb * H);
  }

  for (int s = T - 1; s >= 0; s--) {
    float* dhRaw = a.wHr ? dhRawBuf : dh;  // dh swaps buffers every step
    for (int b = b0; b < b1; b++) {
      int r = a.rows ? a.rows[s * B + b] : s * B + b;
      if (r < 0) continue;
      float* d = dh + (long)(b - b0) * P;
      const float* g = a.dOut + (long)r * P;
      for (int i = 0; i < P; i++) d[i] += g[i];
    }
    if (a.wHr) {
      std::memcpy(j.dProj + ((long)s * B + b0) * P, dh, sizeof(float) * nb * P);
      gemmPackedB(nb, H, P, dh, P, j.whrP, 0.0f, dhRaw, H);
    }
    float* dHg = j.dHg + ((long)s * B + b0) * GH;
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
      if (a.mode == MODE_RNN) {
        const float* hCell = a.wHr ? a.hRawAll + sb * H : a.hAll + (sb + B) * P;
        rnnRowBackward(H, a.act, a.slope, hCell, dhRaw + (long)lb * H, dHgb);
        if (j.dXg != j.dHg) std::memcpy(j.dXg + (long)r * GH, dHgb, sizeof(float) * GH);
      } else if (lstm) {
        lstmRowBackward(H, a.gatesAll + sb * GH, a.cAll + sb * H, a.cAll + (sb + B) * H, dhRaw + (long)lb * H,
                        dc + (long)lb * H, dHgb);
        if (j.dXg != j.dHg) std::memcpy(j.dXg + (long)r * GH, dHgb, sizeof(float) * GH);
      } else {
        gruRowBackward(H, a.gatesAll + sb * GH, a.hgAll + sb * GH, a.hAll + sb * P, dhRaw + (long)lb * H,
                       j.dXg + (long)r * GH, dHgb, dDirect + (long)lb * H);
      }
    }
    gemmPackedB(nb, P, GH, dHg, GH, j.whhP, 0.0f, dhPrev, P);
    if (j.dxPerStep) {
      const long row = (long)s * B + b0;
      gemmPackedB(nb, a.I, GH, j.dXg + row * GH, GH, j.wihP, 1.0f, a.dx + row * a.I, a.I);
    }
    for (int b = b0; b < b1; b++) {
      const int lb = b - b0;
      int r = a.rows ? a.rows[s * B + b] : s * B + b;
      float* dp = dhPrev + (long)lb * P;
      if (r < 0) {
        std::memcpy(dp, dh + (long)lb * P, sizeof(float) * P);
      } else if (gru) {
        const float* dd = dDirect + (long)lb * H;
        for (int i = 0; i < H; i++) dp[i] += dd[i];
      }
    }
    float* tmp = dh; dh = dhPrev; dhPrev = tmp;
  }
  (void)dXgStep;
  if (a.dh0) {
    float* d = a.dh0 + (long)b0 * P;
    for (long i = 0; i < (long)nb * P; i++) d[i] += dh[i];
  }
  if (a.dc0 && lstm) {
    float* d = a.dc0 + (long)b0 * H;
    for (long i = 0; i < (long)nb * H; i++) d[i] += dc[i];
  }
}

/** out[c] += sum over rows of x[r, c], for `cols` columns of rows `ldx` apart. */
static void sumColumnsInto(int rows, int cols, const float* x, long ldx, float* out) {
  for (int r = 0; r < rows; r++) {
    const float* row = x + (long)r * ldx;
    for (int c = 0; c < cols; c += VL) {
      const int n = imin(VL, cols - c);
      stp(out + c, ldp(out + c, n) + ldp(row + c, n), n);
    }
  }
}

// dBIh and dBHh are the column sums of dXg and dHg; the two agree except in GRU's n part (RNN and
// LSTM: everywhere), so the shared part is summed once.
static void addBiasGradients(const SeqArgs& a, int N, int GH, const float* dXg, const float* dHg) {
  const int shared = a.mode == MODE_GRU ? 2 * a.H : GH;
  float* sum = tlBias.get(GH);
  std::memset(sum, 0, sizeof(float) * GH);
  sumColumnsInto(N, GH, dXg, GH, sum);
  if (a.dBIh) for (int i = 0; i < GH; i++) a.dBIh[i] += sum[i];
  if (a.dBHh) {
    for (int i = 0; i < shared; i++) a.dBHh[i] += sum[i];
    if (shared < GH) sumColumnsInto(N, GH - shared, dHg + shared, GH, a.dBHh + shared);
  }
}

static thread_local Scratch tlFlipped;

/**
 * C[M, N] += G^T X for a weight gradient: G [K, M] a pre-activation gradient over all K rows of
 * steps, X [K, N] the layer's inputs or states. For narrow C (few column panels: the input or
 * hidden width against M = G*H gate rows) the transposed product C^T = X^T G is computed into
 * scratch and added in transposed: it packs the big G untransposed with whole-vector copies and
 * reuses each of its panels from L1 over all of C^T's rows, where the direct product reuses each
 * packed G panel once per column panel (measured on AVX-512: W5's dW_ih and dW_hh 15-25% faster,
 * W2's dW_ih 25%; wide C, e.g. 1024 x 256, a few percent slower). Also when it pads the micro-tile
 * much less. (dx = dXg W_ih flipped measured slower: its B would need the transposing pack.)
 */
static void addWeightGradient(int M, int N, int K, const float* G, const float* X, float* C, int threads) {
  const double direct = (double)panels(M, MR) * MR * panels(N, NR) * NR;
  const double flipped = (double)panels(N, MR) * MR * panels(M, NR) * NR;
  const bool narrow = N < M && panels(N, NR) <= 4;
  if (!narrow && flipped * 8 > direct * 7) {
    gemm(true, false, M, N, K, 1.0f, G, X, 1.0f, C, threads);
    return;
  }
  float* Ct = tlFlipped.get((size_t)N * M);
  gemm(true, false, N, M, K, 1.0f, X, G, 0.0f, Ct, threads);
  for (int i = 0; i < M; i++) {
    float* c = C + (long)i * N;
    for (int j = 0; j < N; j++) c[j] += Ct[(long)j * M + i];
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
  j.dHg = tlDHg.get((size_t)N * GH);
  // RNN and LSTM pre-activations have one gradient for both sides; stored once when the rows of
  // the input side are the steps' own rows (no rows map).
  j.dXg = gru || a.rows ? tlDXg.get((size_t)N * GH) : j.dHg;
  // Rows a sequence never reaches (padding) get no gradient.
  if (a.rows) std::memset(j.dXg, 0, sizeof(float) * (size_t)N * GH);
  float* whhP = tlWhh.get(packedBSize(P, GH));
  packBAll(false, a.wHh, P, GH, whhP);
  j.whhP = whhP;
  if (a.wHr) {
    float* whrP = tlWhr.get(packedBSize(H, P));
    packBAll(false, a.wHr, H, P, whrP);
    j.whrP = whrP;
    j.dProj = tlDProj.get((size_t)N * P);
  }
  j.dxPerStep = a.dx && inputSidePerStep(a, GH, threads);
  if (j.dxPerStep) {
    float* wihP = tlWih.get(packedBSize(I, GH));
    packBAll(false, a.wIh, I, GH, wihP);
    j.wihP = wihP;
  }
  parallelRun(sequenceThreads(B, threads), seqBackwardTask, &j);

  if (a.dx && !j.dxPerStep) gemm(false, false, N, I, GH, 1.0f, j.dXg, a.wIh, 1.0f, a.dx, threads);
  if (a.dWIh) addWeightGradient(GH, I, N, j.dXg, a.x, a.dWIh, threads);
  if (a.dWHh) addWeightGradient(GH, P, N, j.dHg, a.hAll, a.dWHh, threads);
  if (a.dBIh || a.dBHh) addBiasGradients(a, N, GH, j.dXg, j.dHg);
  if (a.dWHr) addWeightGradient(P, H, N, j.dProj, a.hRawAll, a.dWHr, threads);
}
