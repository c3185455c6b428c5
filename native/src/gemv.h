// Products of a few rows with a row-major weight matrix, y = x · Wᵀ (W: [N, K]), for one
// instruction set (after simd.h, before gemm.h). With 4 rows or fewer a GEMM is a matrix-vector
// product: its time is reading W, so each weight row is streamed once, straight from its
// row-major storage (packing it would read and write it once more than the product needs),
// against every x row at once, a few weight rows per pass over the x chunks.
//
// Every output is one accumulator per (x row, weight row), filled in k order and summed by a
// fixed tree, whatever group or thread computes it: results never depend on the thread split.

constexpr int GEMV_MAX_ROWS = 4;
// Below this many multiply-adds a product runs on the calling thread: waking the pool costs
// more than it saves (the 65 x 512 output layer of a char-LM is ~33k).
constexpr double GEMV_THREAD_MIN_MACS = 1 << 17;

typedef float V8 __attribute__((vector_size(32)));
typedef float V4 __attribute__((vector_size(16)));

/** The lanes of v summed as a tree (halves added until one lane is left). */
RK_INLINE float treeSum(V v) {
  // Shuffles, not a copy through memory: a copy would pin the accumulators to the stack.
#if RK_VL == 16
  V8 v8 = __builtin_shufflevector(v, v, 0, 1, 2, 3, 4, 5, 6, 7) +
          __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15);
#elif RK_VL == 8
  V8 v8 = v;
#endif
#if RK_VL >= 8
  V4 v4 = __builtin_shufflevector(v8, v8, 0, 1, 2, 3) + __builtin_shufflevector(v8, v8, 4, 5, 6, 7);
#else
  V4 v4 = v;
#endif
  V4 v2 = v4 + __builtin_shufflevector(v4, v4, 2, 3, 2, 3);
  return v2[0] + v2[1];
}

/** Lanes at or above VL - rem set: the last rem floats of a chunk loaded to end at K. */
RK_INLINE VI tailLanes(int rem) {
  VI lane;
  for (int i = 0; i < VL; i++) lane[i] = i;
  return lane >= VL - rem;
}
RK_INLINE V keepLanes(V v, VI mask) { return (V)((VI)v & mask); }

/** dots[b][r] = x[b] · W[r] for NB x rows and R weight rows (row stride ldw), each of length K. */
template <int NB, int R>
RK_INLINE void dotGroup(int K, const float* const* x, const float* w, long ldw, float dots[NB][R]) {
  V acc[NB][R];
#pragma GCC unroll 4
  for (int b = 0; b < NB; b++)
#pragma GCC unroll 8
    for (int r = 0; r < R; r++) acc[b][r] = V{};
  int k = 0;
  for (; k + VL <= K; k += VL) {
    V xv[NB];
#pragma GCC unroll 4
    for (int b = 0; b < NB; b++) xv[b] = ld(x[b] + k);
#pragma GCC unroll 8
    for (int r = 0; r < R; r++) {
      V wv = ld(w + r * ldw + k);
#pragma GCC unroll 4
      for (int b = 0; b < NB; b++) acc[b][r] += xv[b] * wv;
    }
  }
  if (k < K) {
    // The tail as one more chunk: when K >= VL, the last VL floats with the lanes already counted
    // zeroed in both operands (0 * inf would be NaN); else a short copy.
    const int rem = K - k;
    const bool overlap = K >= VL;
    const int k0 = overlap ? K - VL : k;
    const VI mask = tailLanes(rem);
    V xv[NB];
#pragma GCC unroll 4
    for (int b = 0; b < NB; b++) xv[b] = overlap ? keepLanes(ld(x[b] + k0), mask) : ldn(x[b] + k0, rem);
#pragma GCC unroll 8
    for (int r = 0; r < R; r++) {
      V wv = overlap ? keepLanes(ld(w + r * ldw + k0), mask) : ldn(w + r * ldw + k0, rem);
#pragma GCC unroll 4
      for (int b = 0; b < NB; b++) acc[b][r] += xv[b] * wv;
    }
  }
#pragma GCC unroll 4
  for (int b = 0; b < NB; b++)
#pragma GCC unroll 8
    for (int r = 0; r < R; r++) dots[b][r] = treeSum(acc[b][r]);
}

/** How the dot products land in y: y = alpha * dot + beta * y (beta 0: y is not read) + bias. */
struct GemvStore {
  float alpha, beta;
  const float* bias;  // [N] or null
};

template <int NB, int R>
RK_INLINE void gemvGroup(int n, int K, const float* const* x, const float* W, long ldw, float* y, long ldy,
                         const GemvStore& o) {
  float d[NB][R];
  dotGroup<NB, R>(K, x, W + (long)n * ldw, ldw, d);
  for (int b = 0; b < NB; b++) {
    for (int r = 0; r < R; r++) {
      float* out = y + (long)b * ldy + n + r;
      float v = o.alpha * d[b][r];
      if (o.beta != 0.0f) v += o.beta * *out;
      if (o.bias) v += o.bias[n + r];
      *out = v;
    }
  }
}

template <int NB>
static void gemvRowsOf(int N, int K, const float* const* x, const float* W, long ldw, float* y, long ldy,
                       const GemvStore& o) {
  // Weight rows per pass: as many accumulators as the registers hold beside the x chunks.
  constexpr int R = NB <= 2 || VL >= 16 ? 4 : 2;
  int n = 0;
  for (; n + R <= N; n += R) gemvGroup<NB, R>(n, K, x, W, ldw, y, ldy, o);
  for (; n < N; n++) gemvGroup<NB, 1>(n, K, x, W, ldw, y, ldy, o);
}

/**
 * y[b * ldy + n] = alpha * (x[b] · W[n]) + beta * y[b * ldy + n] + bias[n] for b < nb and n < N;
 * x: nb <= GEMV_MAX_ROWS row pointers of K floats, W: [N, K] with row stride ldw. One thread.
 */
static void gemvRows(int nb, int N, int K, const float* const* x, const float* W, long ldw, float* y, long ldy,
                     const GemvStore& o) {
  switch (nb) {
    case 1: gemvRowsOf<1>(N, K, x, W, ldw, y, ldy, o); break;
    case 2: gemvRowsOf<2>(N, K, x, W, ldw, y, ldy, o); break;
    case 3: gemvRowsOf<3>(N, K, x, W, ldw, y, ldy, o); break;
    case 4: gemvRowsOf<4>(N, K, x, W, ldw, y, ldy, o); break;
    default: break;
  }
}

/** Weight rows [n0, n1) of thread t of nt, split in whole vectors of outputs. */
static void sliceOutputs(int N, int t, int nt, int* n0, int* n1) {
  int units = (N + VL - 1) / VL;
  *n0 = imin(N, units * t / nt * VL);
  *n1 = imin(N, units * (t + 1) / nt * VL);
}

/** Threads worth using for a product of this many multiply-adds split in whole vectors of N. */
static int gemvThreads(double macs, int N, int threads) {
  if (macs < GEMV_THREAD_MIN_MACS) return 1;
  return imax(1, imin(threads, (N + VL - 1) / VL));
}

struct GemvJob {
  int nb, N, K;
  const float* const* x;
  const float* W;
  long ldw;
  float* y;
  long ldy;
  GemvStore store;
};

static void gemvTask(void* p, int t, int nt) {
  const GemvJob& j = *static_cast<const GemvJob*>(p);
  int n0, n1;
  sliceOutputs(j.N, t, nt, &n0, &n1);
  if (n1 <= n0) return;
  GemvStore o = j.store;
  if (o.bias) o.bias += n0;
  gemvRows(j.nb, n1 - n0, j.K, j.x, j.W + (long)n0 * j.ldw, j.ldw, j.y + n0, j.ldy, o);
}

/** gemvRows split over up to `threads` threads by weight rows when the product is big enough. */
static void gemvRowsThreaded(int nb, int N, int K, const float* const* x, const float* W, long ldw, float* y,
                             long ldy, const GemvStore& o, int threads) {
  GemvJob j = {nb, N, K, x, W, ldw, y, ldy, o};
  parallelRun(gemvThreads((double)nb * N * K, N, threads), gemvTask, &j);
}

/** True for the GEMMs gemmFewRowsTransB computes: y = x · Wᵀ for a few rows x (K = 0 or alpha = 0 scale C). */
static bool isFewRowsTransB(bool transA, bool transB, int M, int K, float alpha) {
  return !transA && transB && M <= GEMV_MAX_ROWS && K > 0 && alpha != 0.0f;
}

/** C = alpha * A · Bᵀ + beta * C for A: [M <= GEMV_MAX_ROWS, K], B: [N, K], both row-major. */
static void gemmFewRowsTransB(int M, int N, int K, float alpha, const float* A, const float* B, float beta,
                              float* C, int threads) {
  if (M <= 0 || N <= 0) return;
  const float* x[GEMV_MAX_ROWS];
  for (int m = 0; m < M; m++) x[m] = A + (long)m * K;
  gemvRowsThreaded(M, N, K, x, B, K, C, N, GemvStore{alpha, beta, nullptr}, threads);
}
