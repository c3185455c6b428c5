// Packed, register- and cache-blocked SGEMM for one instruction set (included by isa_*.cc after
// simd.h, with RK_MR / RK_NR: the micro-tile is MR rows x NR = 2 vectors of columns).
//
//   C[M,N] = alpha * op(A)[M,K] · op(B)[K,N] + beta * C    (row-major; beta = 0 never reads C)
//
// op(A) is packed into panels of MR rows laid out [K][MR], op(B) into panels of NR columns laid
// out [K][NR] (zero-padded at the edges), so the micro-kernel reads both with unit stride
// whatever the transposes. Loops: K in KC blocks (the B micro-panel stays in L1), NC columns of
// B per block (L2), MC rows of A per block. Each C element is computed by one micro-kernel call
// per K block in the same order whatever the tile split, so results do not depend on the
// thread count.

constexpr int MR = RK_MR;
constexpr int NR = RK_NR;
constexpr int NV = NR / VL;
constexpr int KC = 256;
constexpr int MC_PANELS = 96 / MR > 0 ? 96 / MR : 1;
constexpr int NC_PANELS = 1024 / NR;

template <int R>
static void microKernel(int kc, const float* __restrict A, const float* __restrict B, float* __restrict C,
                        long ldc, float alpha, float beta, int ncols) {
  V acc[R][NV];
#pragma GCC unroll 16
  for (int i = 0; i < R; i++)
#pragma GCC unroll 4
    for (int j = 0; j < NV; j++) acc[i][j] = V{};
  for (int k = 0; k < kc; k++) {
    V b[NV];
#pragma GCC unroll 4
    for (int j = 0; j < NV; j++) b[j] = ld(B + k * NR + j * VL);
#pragma GCC unroll 16
    for (int i = 0; i < R; i++) {
      V a = splat(A[k * MR + i]);
#pragma GCC unroll 4
      for (int j = 0; j < NV; j++) acc[i][j] += a * b[j];
    }
  }
  if (ncols == NR) {
#pragma GCC unroll 16
    for (int i = 0; i < R; i++) {
#pragma GCC unroll 4
      for (int j = 0; j < NV; j++) {
        float* c = C + i * ldc + j * VL;
        V v = acc[i][j] * alpha;
        if (beta != 0.0f) v += ld(c) * beta;
        st(c, v);
      }
    }
  } else {
    for (int i = 0; i < R; i++) {
      for (int j = 0; j < NV; j++) {
        int n = imin(VL, ncols - j * VL);
        if (n <= 0) break;
        float* c = C + i * ldc + j * VL;
        V v = acc[i][j] * alpha;
        if (beta != 0.0f) v += ldn(c, n) * beta;
        stn(c, v, n);
      }
    }
  }
}

typedef void (*MicroFn)(int, const float*, const float*, float*, long, float, float, int);

template <int... Rs>
struct MicroTable {
  static constexpr MicroFn fns[sizeof...(Rs)] = {&microKernel<Rs + 1>...};
};

template <int... Rs>
static constexpr const MicroFn* microTable(std::integer_sequence<int, Rs...>) {
  return MicroTable<Rs...>::fns;
}

/** Panel mp of op(A) (rows mp*MR ..) into dst [K][MR]. */
static void packAPanel(bool transA, const float* A, long lda, int M, int K, int mp, float* __restrict dst) {
  int i0 = mp * MR, r = imin(MR, M - i0);
  if (!transA) {
    for (int i = 0; i < r; i++) {
      const float* row = A + (long)(i0 + i) * lda;
      for (int k = 0; k < K; k++) dst[k * MR + i] = row[k];
    }
    for (int i = r; i < MR; i++)
      for (int k = 0; k < K; k++) dst[k * MR + i] = 0.0f;
  } else {
    for (int k = 0; k < K; k++) {
      const float* src = A + (long)k * lda + i0;
      float* d = dst + k * MR;
      for (int i = 0; i < r; i++) d[i] = src[i];
      for (int i = r; i < MR; i++) d[i] = 0.0f;
    }
  }
}

/** Panel np of op(B) (columns np*NR ..) into dst [K][NR]. */
static void packBPanel(bool transB, const float* B, long ldb, int N, int K, int np, float* __restrict dst) {
  int j0 = np * NR, c = imin(NR, N - j0);
  if (!transB) {
    for (int k = 0; k < K; k++) {
      const float* src = B + (long)k * ldb + j0;
      float* d = dst + (long)k * NR;
      if (c == NR) {
        for (int j = 0; j < NV; j++) st(d + j * VL, ld(src + j * VL));
      } else {
        for (int j = 0; j < c; j++) d[j] = src[j];
        for (int j = c; j < NR; j++) d[j] = 0.0f;
      }
    }
  } else {
    // B stored [N, K]: walk a few columns' rows at once so the reads stay sequential.
    for (int j = 0; j < c; j++) {
      const float* src = B + (long)(j0 + j) * ldb;
      for (int k = 0; k < K; k++) dst[(long)k * NR + j] = src[k];
    }
    for (int j = c; j < NR; j++)
      for (int k = 0; k < K; k++) dst[(long)k * NR + j] = 0.0f;
  }
}

static inline int panels(int n, int width) { return (n + width - 1) / width; }

/** C for panels [mp0, mp1) x [np0, np1) from packed operands (Ap: [mP][K][MR], Bp: [nP][K][NR]). */
static void computeBlock(int M, int N, int K, const float* Ap, const float* Bp, float* C, long ldc,
                         float alpha, float beta, int mp0, int mp1, int np0, int np1) {
  static const MicroFn* micro = microTable(std::make_integer_sequence<int, MR>{});
  for (int k0 = 0; k0 < K; k0 += KC) {
    int kc = imin(KC, K - k0);
    float bt = k0 == 0 ? beta : 1.0f;
    for (int nb = np0; nb < np1; nb += NC_PANELS) {
      int nbe = imin(np1, nb + NC_PANELS);
      for (int mb = mp0; mb < mp1; mb += MC_PANELS) {
        int mbe = imin(mp1, mb + MC_PANELS);
        for (int np = nb; np < nbe; np++) {
          int j0 = np * NR, ncols = imin(NR, N - j0);
          const float* Bk = Bp + (long)np * K * NR + (long)k0 * NR;
          for (int mp = mb; mp < mbe; mp++) {
            int i0 = mp * MR, r = imin(MR, M - i0);
            const float* Ak = Ap + (long)mp * K * MR + (long)k0 * MR;
            micro[r - 1](kc, Ak, Bk, C + (long)i0 * ldc + j0, ldc, alpha, bt, ncols);
          }
        }
      }
    }
  }
}

/** C = beta * C, with beta = 0 writing zeros (what a GEMM with K = 0 or alpha = 0 leaves). */
static void scaleC(int M, int N, float beta, float* C, long ldc) {
  for (int i = 0; i < M; i++) {
    float* c = C + (long)i * ldc;
    if (beta == 0.0f) for (int j = 0; j < N; j++) c[j] = 0.0f;
    else if (beta != 1.0f) for (int j = 0; j < N; j++) c[j] *= beta;
  }
}

static thread_local Scratch tlPackA, tlPackB, tlStepA;

struct GemmJob {
  bool transA, transB;
  int M, N, K, mP, nP;
  float alpha, beta;
  const float *A, *B;
  long lda, ldb, ldc;
  float *C, *Ap, *Bp;
  bool splitN;
};

static void gemmPackTask(void* p, int t, int nt) {
  GemmJob& j = *static_cast<GemmJob*>(p);
  for (int mp = j.mP * t / nt; mp < j.mP * (t + 1) / nt; mp++)
    packAPanel(j.transA, j.A, j.lda, j.M, j.K, mp, j.Ap + (long)mp * j.K * MR);
  for (int np = j.nP * t / nt; np < j.nP * (t + 1) / nt; np++)
    packBPanel(j.transB, j.B, j.ldb, j.N, j.K, np, j.Bp + (long)np * j.K * NR);
}

static void gemmComputeTask(void* p, int t, int nt) {
  GemmJob& j = *static_cast<GemmJob*>(p);
  if (j.splitN) {
    computeBlock(j.M, j.N, j.K, j.Ap, j.Bp, j.C, j.ldc, j.alpha, j.beta, 0, j.mP, j.nP * t / nt, j.nP * (t + 1) / nt);
  } else {
    computeBlock(j.M, j.N, j.K, j.Ap, j.Bp, j.C, j.ldc, j.alpha, j.beta, j.mP * t / nt, j.mP * (t + 1) / nt, 0, j.nP);
  }
}

/** General strided SGEMM; threads > 1 splits big products over tiles. */
static void gemmStrided(bool transA, bool transB, int M, int N, int K, float alpha, const float* A, long lda,
                        const float* B, long ldb, float beta, float* C, long ldc, int threads) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0 || alpha == 0.0f) { scaleC(M, N, beta, C, ldc); return; }
  GemmJob j;
  j.transA = transA; j.transB = transB; j.M = M; j.N = N; j.K = K;
  j.mP = panels(M, MR); j.nP = panels(N, NR);
  j.alpha = alpha; j.beta = beta; j.A = A; j.B = B; j.lda = lda; j.ldb = ldb; j.ldc = ldc; j.C = C;
  j.Ap = tlPackA.get((size_t)j.mP * K * MR);
  j.Bp = tlPackB.get((size_t)j.nP * K * NR);
  double work = (double)M * N * K;
  int nt = threads;
  if (work < 1.5e6) nt = 1;
  j.splitN = j.nP >= j.mP;
  int maxSplit = j.splitN ? j.nP : j.mP;
  if (nt > maxSplit) nt = maxSplit;
  if (nt <= 1) {
    gemmPackTask(&j, 0, 1);
    gemmComputeTask(&j, 0, 1);
    return;
  }
  parallelRun(nt, gemmPackTask, &j);
  parallelRun(nt, gemmComputeTask, &j);
}

static void gemm(bool transA, bool transB, int M, int N, int K, float alpha, const float* A, const float* B,
                 float beta, float* C, int threads) {
  if (isFewRowsTransB(transA, transB, M, K, alpha)) return gemmFewRowsTransB(M, N, K, alpha, A, B, beta, C, threads);
  gemmStrided(transA, transB, M, N, K, alpha, A, transA ? M : K, B, transB ? K : N, beta, C, N, threads);
}

/** Size in floats of op(B) packed whole (for weights packed once per sequence). */
static size_t packedBSize(int N, int K) { return (size_t)panels(N, NR) * K * NR; }

static void packBAll(bool transB, const float* B, int N, int K, float* dst) {
  long ldb = transB ? K : N;
  for (int np = 0; np < panels(N, NR); np++) packBPanel(transB, B, ldb, N, K, np, dst + (long)np * K * NR);
}

/** C = A · (pre-packed B) + beta * C on the calling thread; A: [M, K] with row stride lda. */
static void gemmPackedB(int M, int N, int K, const float* A, long lda, const float* Bp, float beta, float* C,
                        long ldc) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) { scaleC(M, N, beta, C, ldc); return; }
  int mP = panels(M, MR);
  float* Ap = tlStepA.get((size_t)mP * K * MR);
  for (int mp = 0; mp < mP; mp++) packAPanel(false, A, lda, M, K, mp, Ap + (long)mp * K * MR);
  computeBlock(M, N, K, Ap, Bp, C, ldc, 1.0f, beta, 0, mP, 0, panels(N, NR));
}
