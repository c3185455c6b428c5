// Packed, register- and cache-blocked SGEMM for one instruction set (included by isa_*.cc after
// simd.h, with RK_MR / RK_NR: the micro-tile is MR rows x NR = 2 vectors of columns).
//
//   C[M,N] = alpha * op(A)[M,K] · op(B)[K,N] + beta * C    (row-major; beta = 0 never reads C)
//
// op(B) is packed into panels of NR columns laid out [K][NR] (zero-padded at the edges), so the
// micro-kernel loads its vectors with unit stride whatever the transpose. op(A) only feeds
// broadcasts, so it is read in place, along rows (A row-major) or down columns (A transposed);
// only a transposed A whose rows alias in L1 is packed, one MC x KC block at a time into an
// L2-sized buffer [panel][kc][MR] just before its use (packing all of A first would write it to
// memory and read it back). Loops: K in KC blocks, NC columns of B per block (L2), MC rows of A
// per block.
// Each C element is computed by one micro-kernel call per K block, with the same arithmetic
// whatever the tile split or operand path, so results do not depend on the thread count.

constexpr int MR = RK_MR;
constexpr int NR = RK_NR;
constexpr int NV = NR / VL;
// 512 steps of K per block: a B micro-panel (64 KB on AVX-512) then streams from L2, which Zen 4's
// prefetchers keep up with, and C is read and written half as often as with 256 (measured at one
// thread: W2's big products 97-100 -> 103-108 GFLOP/s, its per-step ones 109 -> 113). A transposed
// A read in place keeps 256: each of its steps touches a line of its own, and 512 of them beside
// the B panel overflow L1 (W5's weight gradients on AVX2 ~5% slower).
constexpr int KC = 512;
constexpr int KC_STRIDED_A = 256;
constexpr int MC_PANELS = 96 / MR > 0 ? 96 / MR : 1;
constexpr int NC_PANELS = 1024 / NR;

/** The tile's C lines are fetched while the products run: with small K, a store to a line not in cache would stall the next tile. */
template <int R, int W>
RK_INLINE void prefetchTile(float* C, long ldc) {
#pragma GCC unroll 16
  for (int i = 0; i < R; i++) {
    __builtin_prefetch(C + i * ldc, 1);
    __builtin_prefetch(C + i * ldc + W * VL - 1, 1);
  }
}

/** acc += op(A) · B over kc steps (see microKernel for the operand layouts). */
template <int R, bool ROW_A, int W>
RK_INLINE void accumulateTile(V (&acc)[R][W], int kc, const float* __restrict A, long lda, const float* __restrict B) {
  for (int k = 0; k < kc; k++) {
    V b[W];
#pragma GCC unroll 4
    for (int j = 0; j < W; j++) b[j] = ld(B + k * NR + j * VL);
#pragma GCC unroll 16
    for (int i = 0; i < R; i++) {
      V a = splat(ROW_A ? A[i * lda + k] : A[k * lda + i]);
#pragma GCC unroll 4
      for (int j = 0; j < W; j++) acc[i][j] += a * b[j];
    }
  }
}

/**
 * C = alpha acc + beta C for ncols columns. Both cases fully unrolled so the accumulators stay in
 * registers (a loop with a break would put them on the stack); a vector past ncols gets an empty
 * mask and touches nothing.
 */
template <int R, int W>
RK_INLINE void zeroTile(V (&acc)[R][W]) {
#pragma GCC unroll 16
  for (int i = 0; i < R; i++)
#pragma GCC unroll 4
    for (int j = 0; j < W; j++) acc[i][j] = V{};
}

template <int R, int W>
RK_INLINE void writeTile(V (&acc)[R][W], float* __restrict C, long ldc, float alpha, float beta, int ncols) {
  const bool full = ncols == W * VL;
#pragma GCC unroll 16
  for (int i = 0; i < R; i++) {
#pragma GCC unroll 4
    for (int j = 0; j < W; j++) {
      const int n = full ? VL : imax(0, imin(VL, ncols - j * VL));
      float* c = C + i * ldc + j * VL;
      V v = alpha == 1.0f ? acc[i][j] : acc[i][j] * alpha;
      if (beta != 0.0f) v += (full ? ld(c) : ldn(c, n)) * beta;
      if (full) st(c, v); else stn(c, v, n);
    }
  }
}

/**
 * One tile of C, R <= MR rows by ncols <= W vectors (W = NV, or 1 for a last panel that narrow:
 * its padding would otherwise cost as much as real columns), over kc steps of K. B is a packed
 * panel [kc][NR]. ROW_A: op(A)'s R rows have stride lda (a row-major A, read in place); else op(A)'s
 * columns do (a packed panel [kc][MR] with lda = MR, or a transposed A read in place).
 */
template <int R, bool ROW_A, int W>
static void microKernel(int kc, const float* __restrict A, long lda, const float* __restrict B,
                        float* __restrict C, long ldc, float alpha, float beta, int ncols) {
  prefetchTile<R, W>(C, ldc);
  V acc[R][W];
  zeroTile<R, W>(acc);
  accumulateTile<R, ROW_A, W>(acc, kc, A, lda, B);
  writeTile<R, W>(acc, C, ldc, alpha, beta, ncols);
}

typedef void (*MicroFn)(int, const float*, long, const float*, float*, long, float, float, int);

template <bool ROW_A, int W, int... Rs>
struct MicroTable {
  static constexpr MicroFn fns[sizeof...(Rs)] = {&microKernel<Rs + 1, ROW_A, W>...};
};

/** The kernels for 1..MR rows. */
template <bool ROW_A, int W>
static const MicroFn* microTable() {
  return []<int... Rs>(std::integer_sequence<int, Rs...>) {
    return MicroTable<ROW_A, W, Rs...>::fns;
  }(std::make_integer_sequence<int, MR>{});
}

/**
 * Steps [k0, k0 + kc) of panels [mp0, mp1) of op(A) = Aᵀ (A stored [K, M], row stride lda) into
 * dst [mp1 - mp0][kc][MR], zero-padded past M. A few rows of A at a time across all the panels:
 * walking one panel down all its rows would touch a new cache line for every MR floats it copies.
 */
static void packATransBlock(const float* A, long lda, int M, int k0, int kc, int mp0, int mp1, float* __restrict dst) {
  constexpr int KB = 16;
  for (int kb0 = 0; kb0 < kc; kb0 += KB) {
    int kb = imin(KB, kc - kb0);
    for (int mp = mp0; mp < mp1; mp++) {
      int i0 = mp * MR, r = imin(MR, M - i0);
      float* d = dst + (long)(mp - mp0) * kc * MR + (long)kb0 * MR;
      const float* src = A + (long)(k0 + kb0) * lda + i0;
      if (r == MR) {
        for (int k = 0; k < kb; k++) __builtin_memcpy(d + k * MR, src + k * lda, sizeof(float) * MR);
      } else {
        for (int k = 0; k < kb; k++) {
          for (int i = 0; i < r; i++) d[k * MR + i] = src[k * lda + i];
          for (int i = r; i < MR; i++) d[k * MR + i] = 0.0f;
        }
      }
    }
  }
}

/** Panels [np0, np1) of op(B) (columns np*NR ..) into dst [nP][K][NR], zero-padded past N. */
static void packBPanels(bool transB, const float* B, long ldb, int N, int K, int np0, int np1, float* __restrict dst) {
  if (!transB) {
    // A few rows of B at a time across all the panels, so each row is read once, in order.
    constexpr int KB = 16;
    for (int k0 = 0; k0 < K; k0 += KB) {
      int kb = imin(KB, K - k0);
      for (int np = np0; np < np1; np++) {
        int j0 = np * NR, c = imin(NR, N - j0);
        float* d = dst + (long)np * K * NR + (long)k0 * NR;
        const float* src = B + (long)k0 * ldb + j0;
        for (int k = 0; k < kb; k++) {
          if (c == NR) {
#pragma GCC unroll 4
            for (int j = 0; j < NV; j++) st(d + k * NR + j * VL, ld(src + k * ldb + j * VL));
          } else {
#pragma GCC unroll 4
            for (int j = 0; j < NV; j++) {
              int n = imax(0, imin(VL, c - j * VL));
              st(d + k * NR + j * VL, n > 0 ? ldp(src + k * ldb + j * VL, n) : V{});
            }
          }
        }
      }
    }
    return;
  }
  // B stored [N, K]: a block of KB steps of K at a time, so the destination block stays in L1
  // while each of the panel's columns is read sequentially.
  constexpr int KB = 64;
  for (int np = np0; np < np1; np++) {
    int j0 = np * NR, c = imin(NR, N - j0);
    for (int k0 = 0; k0 < K; k0 += KB) {
      int kb = imin(KB, K - k0);
      float* d = dst + (long)np * K * NR + (long)k0 * NR;
      for (int j = 0; j < c; j++) {
        const float* src = B + (long)(j0 + j) * ldb + k0;
        for (int k = 0; k < kb; k++) d[k * NR + j] = src[k];
      }
      for (int j = c; j < NR; j++)
        for (int k = 0; k < kb; k++) d[k * NR + j] = 0.0f;
    }
  }
}

static inline int panels(int n, int width) { return (n + width - 1) / width; }

/**
 * op(A) as the micro-kernel reads it: A itself, row-major [M, K] or, when trans, [K, M] (row
 * stride lda either way), read in place; or, when pack, each block of MC_PANELS panels by KC
 * steps of a transposed A copied into an L2-sized buffer [panel][kc][MR] just before its use.
 */
struct AOperand {
  const float* A;
  long lda;
  bool trans, pack;
};

static thread_local Scratch tlPackA, tlPackB;

/** C for panels [mp0, mp1) x [np0, np1), with op(B) packed (Bp: [nP][K][NR]). */
static void computeBlock(int M, int N, int K, const AOperand& a, const float* Bp, float* C, long ldc,
                         float alpha, float beta, int mp0, int mp1, int np0, int np1) {
  const bool rowA = !a.trans;
  float* blockA = a.pack ? tlPackA.get((size_t)MC_PANELS * KC * MR) : nullptr;
  const MicroFn* wide = rowA ? microTable<true, NV>() : microTable<false, NV>();
  const MicroFn* narrow = rowA ? microTable<true, 1>() : microTable<false, 1>();
  const int kcMax = a.trans && !a.pack ? KC_STRIDED_A : KC;
  for (int k0 = 0; k0 < K; k0 += kcMax) {
    int kc = imin(kcMax, K - k0);
    float bt = k0 == 0 ? beta : 1.0f;
    for (int nb = np0; nb < np1; nb += NC_PANELS) {
      int nbe = imin(np1, nb + NC_PANELS);
      for (int mb = mp0; mb < mp1; mb += MC_PANELS) {
        int mbe = imin(mp1, mb + MC_PANELS);
        if (blockA) packATransBlock(a.A, a.lda, M, k0, kc, mb, mbe, blockA);
        for (int np = nb; np < nbe; np++) {
          int j0 = np * NR, ncols = imin(NR, N - j0);
          const MicroFn* micro = ncols <= VL ? narrow : wide;
          const float* Bk = Bp + (long)np * K * NR + (long)k0 * NR;
          for (int mp = mb; mp < mbe; mp++) {
            int i0 = mp * MR, r = imin(MR, M - i0);
            const float* Ak = blockA    ? blockA + (long)(mp - mb) * kc * MR
                              : a.trans ? a.A + (long)k0 * a.lda + i0
                                        : a.A + (long)i0 * a.lda + k0;
            micro[r - 1](kc, Ak, blockA ? MR : a.lda, Bk, C + (long)i0 * ldc + j0, ldc, alpha, bt, ncols);
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

struct GemmJob {
  bool transB;
  int M, N, K, mP, nP;
  float alpha, beta;
  const float* B;
  long ldb, ldc;
  float *C, *Bp;
  AOperand a;
  bool splitN;
};

static void gemmPackTask(void* p, int t, int nt) {
  GemmJob& j = *static_cast<GemmJob*>(p);
  packBPanels(j.transB, j.B, j.ldb, j.N, j.K, j.nP * t / nt, j.nP * (t + 1) / nt, j.Bp);
}

static void gemmComputeTask(void* p, int t, int nt) {
  GemmJob& j = *static_cast<GemmJob*>(p);
  if (j.splitN) {
    computeBlock(j.M, j.N, j.K, j.a, j.Bp, j.C, j.ldc, j.alpha, j.beta, 0, j.mP, j.nP * t / nt, j.nP * (t + 1) / nt);
  } else {
    computeBlock(j.M, j.N, j.K, j.a, j.Bp, j.C, j.ldc, j.alpha, j.beta, j.mP * t / nt, j.mP * (t + 1) / nt, 0, j.nP);
  }
}

/**
 * A transposed A is packed when its row stride is a multiple of 1 KiB: read in place, a panel's
 * steps of K would then fall in the same few L1 sets and evict each other (measured at 1 thread:
 * in place is ~20% slower than packing at M = 1024, ~7% faster at M = 384).
 */
static bool packTransposedA(long lda) { return lda % 256 == 0; }

/**
 * General strided SGEMM; threads > 1 splits big products over tiles. op(A) is read in place
 * unless packTransposedA; op(B) is packed.
 */
static void gemmStrided(bool transA, bool transB, int M, int N, int K, float alpha, const float* A, long lda,
                        const float* B, long ldb, float beta, float* C, long ldc, int threads) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0 || alpha == 0.0f) { scaleC(M, N, beta, C, ldc); return; }
  GemmJob j;
  j.transB = transB; j.M = M; j.N = N; j.K = K;
  j.mP = panels(M, MR); j.nP = panels(N, NR);
  j.alpha = alpha; j.beta = beta; j.B = B; j.ldb = ldb; j.ldc = ldc; j.C = C;
  j.a.A = A; j.a.lda = lda;
  j.a.trans = transA;
  j.a.pack = transA && packTransposedA(lda);
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
  packBPanels(transB, B, transB ? K : N, N, K, 0, panels(N, NR), dst);
}

/** C = A · (pre-packed B) + beta * C on the calling thread; A: [M, K] with row stride lda, read in place. */
static void gemmPackedB(int M, int N, int K, const float* A, long lda, const float* Bp, float beta, float* C,
                        long ldc) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) { scaleC(M, N, beta, C, ldc); return; }
  AOperand a = {A, lda, false, false};
  computeBlock(M, N, K, a, Bp, C, ldc, 1.0f, beta, 0, panels(M, MR), 0, panels(N, NR));
}

/** One tile of C = A1 · B1 + A2 · B2 (row-major A's read in place, packed B panels), each element one chain of FMAs. */
template <int R, int W>
static void microKernelSum(int k1, const float* __restrict A1, long lda1, const float* __restrict B1, int k2,
                           const float* __restrict A2, long lda2, const float* __restrict B2, float* __restrict C,
                           long ldc, int ncols) {
  prefetchTile<R, W>(C, ldc);
  V acc[R][W];
  zeroTile<R, W>(acc);
  accumulateTile<R, true, W>(acc, k1, A1, lda1, B1);
  accumulateTile<R, true, W>(acc, k2, A2, lda2, B2);
  writeTile<R, W>(acc, C, ldc, 1.0f, 0.0f, ncols);
}

typedef void (*MicroSumFn)(int, const float*, long, const float*, int, const float*, long, const float*, float*, long,
                           int);

template <int W, int... Rs>
struct MicroSumTable {
  static constexpr MicroSumFn fns[sizeof...(Rs)] = {&microKernelSum<Rs + 1, W>...};
};

template <int W>
static const MicroSumFn* microSumTable() {
  return []<int... Rs>(std::integer_sequence<int, Rs...>) {
    return MicroSumTable<W, Rs...>::fns;
  }(std::make_integer_sequence<int, MR>{});
}

/**
 * C = A1 · B1 + A2 · B2 on the calling thread, the B's pre-packed for the same N (packBAll); A1:
 * [M, K1], A2: [M, K2], row strides lda1, lda2, read in place (K2 = 0: A2 and B2 are not read).
 * One pass over C, as one product over the concatenated K would make: a recurrent step's input
 * and recurrent sides summed without writing either to memory (no K blocks: B's panels stream
 * from L2 well enough at these widths, and blocks would write C once per block).
 */
static void gemmPackedBSum(int M, int N, int K1, const float* A1, long lda1, const float* B1p, int K2, const float* A2,
                           long lda2, const float* B2p, float* C, long ldc) {
  if (M <= 0 || N <= 0) return;
  const MicroSumFn* wide = microSumTable<NV>();
  const MicroSumFn* narrow = microSumTable<1>();
  const int mP = panels(M, MR), nP = panels(N, NR);
  for (int np = 0; np < nP; np++) {
    const int j0 = np * NR, ncols = imin(NR, N - j0);
    const MicroSumFn* micro = ncols <= VL ? narrow : wide;
    const float* b1 = B1p + (long)np * K1 * NR;
    const float* b2 = B2p + (long)np * K2 * NR;
    for (int mp = 0; mp < mP; mp++) {
      const int i0 = mp * MR, r = imin(MR, M - i0);
      micro[r - 1](K1, A1 + (long)i0 * lda1, lda1, b1, K2, A2 + (long)i0 * lda2, lda2, b2, C + (long)i0 * ldc + j0, ldc,
                   ncols);
    }
  }
}
