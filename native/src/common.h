// Declarations shared by the N-API layer, the thread pool and the per-ISA kernel builds.
// This header is compiled for the baseline CPU in every file: each isa_*.cc includes it before
// switching its own target on, so nothing here ever uses an instruction the CPU might lack.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <cmath>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace rk {

enum Act { ACT_TANH = 0, ACT_SIGMOID = 1, ACT_RELU = 2, ACT_LEAKY_RELU = 3, ACT_IDENTITY = 4 };
enum Mode { MODE_RNN = 0, MODE_LSTM = 1, MODE_GRU = 2 };

// ---- thread pool (pool.cc) ----
typedef void (*TaskFn)(void* ctx, int task, int ntasks);
/** Runs fn(ctx, t, ntasks) for t < ntasks on the pool (the caller runs task 0) and waits. */
void parallelRun(int ntasks, TaskFn fn, void* ctx);
/** Threads the pool offers, the calling thread included. */
int poolThreads();
void setPoolThreads(int n);

/** A grow-only 64-byte-aligned float buffer; used as thread_local scratch (never freed). */
struct Scratch {
  float* p = nullptr;
  size_t cap = 0;
  float* get(size_t n) {
    if (n > cap) {
      std::free(p);
      size_t bytes = ((n * sizeof(float) + 63) / 64) * 64 + 64;
      p = static_cast<float*>(std::aligned_alloc(64, bytes));
      if (!p) { std::fprintf(stderr, "rnnkit native: out of memory (%zu bytes)\n", bytes); std::abort(); }
      cap = n;
    }
    return p;
  }
};

/** One recurrent layer pass (see src/kernels/kernels.ts SequenceSpec); null pointers: absent. */
struct SeqArgs {
  int mode, T, B, I, H, P, act;
  float slope;
  const int32_t* rows;
  const float *x, *h0, *c0, *wIh, *wHh, *bIh, *bHh, *wHr;
  /** out may be null: the per-step output is not wanted (hN, cN are). */
  float *out, *hN, *cN;
  /** Floats from one row of out to the next (P, or 2P for a direction of a bidirectional layer). */
  long outStride;
  // Saved for backward (forward writes them when non-null; backward reads them).
  float *hAll, *cAll, *gatesAll, *hgAll, *hRawAll;
  // Backward only.
  const float *dOut, *dhN, *dcN;
  float *dx, *dh0, *dc0, *dWIh, *dWHh, *dBIh, *dBHh, *dWHr;
};

/** Zeros the output rows [0, rows) of a layer (cols floats each, one every `stride` floats). */
static inline void zeroOutputRows(float* out, size_t rows, int cols, long stride) {
  if (stride == cols) { std::memset(out, 0, sizeof(float) * rows * cols); return; }
  for (size_t r = 0; r < rows; r++) std::memset(out + r * stride, 0, sizeof(float) * cols);
}

/** The kernels of one instruction set; addon.cc picks a table at run time. */
struct Isa {
  const char* name;
  void (*gemm)(bool transA, bool transB, int M, int N, int K, float alpha, const float* A,
               const float* B, float beta, float* C, int threads);
  void (*addRowVector)(int rows, int cols, const float* bias, float* y);
  void (*sumRowsInto)(int rows, int cols, const float* x, float* out);
  void (*activationForward)(int act, float slope, size_t n, const float* x, float* y);
  void (*activationBackward)(int act, float slope, size_t n, const float* y, const float* dy, float* dx,
                             bool accumulate);
  void (*softmaxRows)(int rows, int cols, const float* x, float* y, bool log);
  void (*rnnCellForward)(int B, int H, int act, float slope, const float* xg, const float* hg, float* h);
  void (*rnnCellBackward)(int B, int H, int act, float slope, const float* h, const float* dh, float* dPre);
  void (*lstmCellForward)(int B, int H, const float* xg, const float* hg, const float* cPrev, float* gates,
                          float* c, float* h);
  void (*lstmCellBackward)(int B, int H, const float* gates, const float* cPrev, const float* c,
                           const float* dh, float* dc, float* dPre);
  void (*gruCellForward)(int B, int H, const float* xg, const float* hg, const float* hPrev, float* gates,
                         float* h);
  void (*gruCellBackward)(int B, int H, const float* gates, const float* hg, const float* hPrev,
                          const float* dh, float* dXg, float* dHg, float* dhPrev);
  void (*sequenceForward)(const SeqArgs& a, int threads);
  void (*sequenceBackward)(const SeqArgs& a, int threads);
  // Optimiser updates (optim.h): complements such as 1 - β come precomputed in double.
  void (*sgdUpdate)(size_t n, float* p, const float* g, float* buf, bool initBuffer, float lr, float momentum,
                    float oneMinusDampening, float weightDecay, bool nesterov);
  void (*adagradUpdate)(size_t n, float* p, const float* g, float* sum, float clr, float weightDecay, float eps);
  void (*rmspropUpdate)(size_t n, float* p, const float* g, float* squareAvg, float* gradAvg, float* buf, float lr,
                        float alpha, float oneMinusAlpha, float eps, float weightDecay, float momentum);
  void (*adamUpdate)(size_t n, float* p, const float* g, float* expAvg, float* expAvgSq, float* maxExpAvgSq,
                     float beta1, float oneMinusBeta1, float beta2, float oneMinusBeta2, float eps, float coupledDecay,
                     float shrink, float stepSize, float bias2Sqrt);
  // Softmax cross-entropy (loss.h).
  void (*crossEntropyForward)(int N, int C, const float* logits, const int32_t* targets, int ignoreIndex,
                              const float* mask, const float* weight, float labelSmoothing, float* loss, float* grad);
  void (*crossEntropyBackward)(int N, int C, const float* grad, const float* rowScale, float scale, float* dx);
};

const Isa* isaGeneric();
const Isa* isaAvx2();
const Isa* isaAvx512();

}  // namespace rk
