// Node-API surface of the native kernels: checks every argument (Float32Array and length, so a
// wrong call throws instead of touching memory it does not own), then calls the kernel table of
// the best instruction set this CPU has. Typed arrays are used in place, never copied.
#include <napi.h>

#include <string>

#include "common.h"
#include "malloc_tuning.h"
#include "rows.h"

namespace rk {
namespace {

const Isa* g_isa = nullptr;
int g_threads = 1;
bool g_mallocTuned = false;

const Isa* isaByName(const std::string& name) {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  __builtin_cpu_init();
  if (name == "avx512" && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
      __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl"))
    return isaAvx512();
  if (name == "avx2" && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return isaAvx2();
#endif
  if (name == "generic") return isaGeneric();
  return nullptr;
}

const Isa* bestIsa() {
  for (const char* n : {"avx512", "avx2", "generic"}) {
    if (const Isa* isa = isaByName(n)) return isa;
  }
  return isaGeneric();
}

/** Reads and checks the arguments of one call; the first problem throws a JS error. */
class Args {
 public:
  Args(const Napi::CallbackInfo& info, const char* fn) : info_(info), fn_(fn) {}
  bool ok() const { return !failed_; }

  int integer(size_t i, const char* name) {
    if (failed_) return 0;
    if (!info_[i].IsNumber()) return fail(std::string(name) + " must be a number"), 0;
    double v = info_[i].As<Napi::Number>().DoubleValue();
    if (!(v >= 0 && v <= 2147483647.0) || v != (double)(int64_t)v) {
      return fail(std::string(name) + " must be a non-negative integer, got " + std::to_string(v)), 0;
    }
    return (int)v;
  }
  double number(size_t i, const char* name) {
    if (failed_) return 0;
    if (!info_[i].IsNumber()) return fail(std::string(name) + " must be a number"), 0;
    return info_[i].As<Napi::Number>().DoubleValue();
  }
  bool flag(size_t i) { return info_[i].ToBoolean().Value(); }

  /** A Float32Array of at least `need` elements (or null/undefined when nullable). */
  float* f32(size_t i, const char* name, size_t need, bool nullable = false) {
    if (failed_) return nullptr;
    Napi::Value v = info_[i];
    if (nullable && (v.IsNull() || v.IsUndefined())) return nullptr;
    if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
      return fail(std::string(name) + " must be a Float32Array"), nullptr;
    }
    auto arr = v.As<Napi::Float32Array>();
    if (arr.ElementLength() < need) {
      return fail(std::string(name) + " has " + std::to_string(arr.ElementLength()) + " elements, needs " +
                  std::to_string(need)), nullptr;
    }
    return arr.Data();
  }
  const int32_t* i32(size_t i, const char* name, size_t need) {
    if (failed_) return nullptr;
    Napi::Value v = info_[i];
    if (v.IsNull() || v.IsUndefined()) return nullptr;
    if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
      return fail(std::string(name) + " must be an Int32Array"), nullptr;
    }
    auto arr = v.As<Napi::Int32Array>();
    if (arr.ElementLength() < need) {
      return fail(std::string(name) + " has " + std::to_string(arr.ElementLength()) + " elements, needs " +
                  std::to_string(need)), nullptr;
    }
    return arr.Data();
  }
  void fail(const std::string& msg) {
    if (failed_) return;
    failed_ = true;
    Napi::RangeError::New(info_.Env(), std::string("rnnkit native ") + fn_ + ": " + msg).ThrowAsJavaScriptException();
  }

 private:
  const Napi::CallbackInfo& info_;
  const char* fn_;
  bool failed_ = false;
};

size_t mul(size_t a, size_t b) { return a * b; }

Napi::Value Gemm(const Napi::CallbackInfo& info) {
  Args a(info, "gemm");
  bool tA = a.flag(0), tB = a.flag(1);
  int M = a.integer(2, "M"), N = a.integer(3, "N"), K = a.integer(4, "K");
  float alpha = (float)a.number(5, "alpha");
  const float* A = a.f32(6, "A", mul(M, K));
  const float* B = a.f32(7, "B", mul(K, N));
  float beta = (float)a.number(8, "beta");
  float* C = a.f32(9, "C", mul(M, N));
  if (a.ok()) g_isa->gemm(tA, tB, M, N, K, alpha, A, B, beta, C, g_threads);
  return info.Env().Undefined();
}

Napi::Value AddRowVector(const Napi::CallbackInfo& info) {
  Args a(info, "addRowVector");
  int rows = a.integer(0, "rows"), cols = a.integer(1, "cols");
  const float* bias = a.f32(2, "bias", cols);
  float* y = a.f32(3, "y", mul(rows, cols));
  if (a.ok()) g_isa->addRowVector(rows, cols, bias, y);
  return info.Env().Undefined();
}

Napi::Value SumRowsInto(const Napi::CallbackInfo& info) {
  Args a(info, "sumRowsInto");
  int rows = a.integer(0, "rows"), cols = a.integer(1, "cols");
  const float* x = a.f32(2, "x", mul(rows, cols));
  float* out = a.f32(3, "out", cols);
  if (a.ok()) g_isa->sumRowsInto(rows, cols, x, out);
  return info.Env().Undefined();
}

// The ids index the table: each is checked before any row moves.
bool checkRowIds(Args& a, int V, int n, const int32_t* ids) {
  if (!a.ok()) return false;
  if (!ids && n > 0) return a.fail("ids must be an Int32Array"), false;
  long bad = firstBadRowId(V, n, ids);
  if (bad < 0) return true;
  a.fail("id " + std::to_string(ids[bad]) + " at position " + std::to_string(bad) + " is outside 0.." +
         std::to_string(V - 1));
  return false;
}

Napi::Value GatherRows(const Napi::CallbackInfo& info) {
  Args a(info, "gatherRows");
  int V = a.integer(0, "V"), E = a.integer(1, "E");
  const float* table = a.f32(2, "table", mul(V, E));
  int n = a.integer(3, "n");
  const int32_t* ids = a.i32(4, "ids", n);
  float* out = a.f32(5, "out", mul(n, E));
  if (checkRowIds(a, V, n, ids)) gatherRows(E, table, n, ids, out);
  return info.Env().Undefined();
}

Napi::Value ScatterAddRows(const Napi::CallbackInfo& info) {
  Args a(info, "scatterAddRows");
  int V = a.integer(0, "V"), E = a.integer(1, "E");
  int n = a.integer(3, "n");
  const float* src = a.f32(2, "src", mul(n, E));
  const int32_t* ids = a.i32(4, "ids", n);
  double skip = a.number(5, "skipId");
  float* table = a.f32(6, "table", mul(V, E));
  if (a.ok() && !(skip >= -1 && skip <= 2147483647.0 && skip == (double)(int64_t)skip)) {
    a.fail("skipId must be -1 or a row id, got " + std::to_string(skip));
  }
  if (checkRowIds(a, V, n, ids)) scatterAddRows(E, src, n, ids, (int)skip, table);
  return info.Env().Undefined();
}

Napi::Value ActivationForward(const Napi::CallbackInfo& info) {
  Args a(info, "activationForward");
  int act = a.integer(0, "activation");
  float slope = (float)a.number(1, "slope");
  int n = a.integer(2, "n");
  const float* x = a.f32(3, "x", n);
  float* y = a.f32(4, "y", n);
  if (a.ok()) g_isa->activationForward(act, slope, n, x, y);
  return info.Env().Undefined();
}

Napi::Value ActivationBackward(const Napi::CallbackInfo& info) {
  Args a(info, "activationBackward");
  int act = a.integer(0, "activation");
  float slope = (float)a.number(1, "slope");
  int n = a.integer(2, "n");
  const float* y = a.f32(3, "y", n);
  const float* dy = a.f32(4, "dy", n);
  float* dx = a.f32(5, "dx", n);
  bool acc = a.flag(6);
  if (a.ok()) g_isa->activationBackward(act, slope, n, y, dy, dx, acc);
  return info.Env().Undefined();
}

Napi::Value Softmax(const Napi::CallbackInfo& info, bool log) {
  Args a(info, log ? "logSoftmaxRows" : "softmaxRows");
  int rows = a.integer(0, "rows"), cols = a.integer(1, "cols");
  const float* x = a.f32(2, "x", mul(rows, cols));
  float* y = a.f32(3, "y", mul(rows, cols));
  if (a.ok()) g_isa->softmaxRows(rows, cols, x, y, log);
  return info.Env().Undefined();
}
Napi::Value SoftmaxRows(const Napi::CallbackInfo& info) { return Softmax(info, false); }
Napi::Value LogSoftmaxRows(const Napi::CallbackInfo& info) { return Softmax(info, true); }

Napi::Value RnnCellForward(const Napi::CallbackInfo& info) {
  Args a(info, "rnnCellForward");
  int B = a.integer(0, "B"), H = a.integer(1, "H"), act = a.integer(2, "activation");
  float slope = (float)a.number(3, "slope");
  size_t n = mul(B, H);
  const float* xg = a.f32(4, "xg", n);
  const float* hg = a.f32(5, "hg", n);
  float* h = a.f32(6, "h", n);
  if (a.ok()) g_isa->rnnCellForward(B, H, act, slope, xg, hg, h);
  return info.Env().Undefined();
}

Napi::Value RnnCellBackward(const Napi::CallbackInfo& info) {
  Args a(info, "rnnCellBackward");
  int B = a.integer(0, "B"), H = a.integer(1, "H"), act = a.integer(2, "activation");
  float slope = (float)a.number(3, "slope");
  size_t n = mul(B, H);
  const float* h = a.f32(4, "h", n);
  const float* dh = a.f32(5, "dh", n);
  float* dPre = a.f32(6, "dPre", n);
  if (a.ok()) g_isa->rnnCellBackward(B, H, act, slope, h, dh, dPre);
  return info.Env().Undefined();
}

Napi::Value LstmCellForward(const Napi::CallbackInfo& info) {
  Args a(info, "lstmCellForward");
  int B = a.integer(0, "B"), H = a.integer(1, "H");
  size_t n = mul(B, H), g = 4 * n;
  const float* xg = a.f32(2, "xg", g);
  const float* hg = a.f32(3, "hg", g);
  const float* cPrev = a.f32(4, "cPrev", n);
  float* gates = a.f32(5, "gates", g);
  float* c = a.f32(6, "c", n);
  float* h = a.f32(7, "h", n);
  if (a.ok()) g_isa->lstmCellForward(B, H, xg, hg, cPrev, gates, c, h);
  return info.Env().Undefined();
}

Napi::Value LstmCellBackward(const Napi::CallbackInfo& info) {
  Args a(info, "lstmCellBackward");
  int B = a.integer(0, "B"), H = a.integer(1, "H");
  size_t n = mul(B, H), g = 4 * n;
  const float* gates = a.f32(2, "gates", g);
  const float* cPrev = a.f32(3, "cPrev", n);
  const float* c = a.f32(4, "c", n);
  const float* dh = a.f32(5, "dh", n);
  float* dc = a.f32(6, "dc", n);
  float* dPre = a.f32(7, "dPre", g);
  if (a.ok()) g_isa->lstmCellBackward(B, H, gates, cPrev, c, dh, dc, dPre);
  return info.Env().Undefined();
}

Napi::Value GruCellForward(const Napi::CallbackInfo& info) {
  Args a(info, "gruCellForward");
  int B = a.integer(0, "B"), H = a.integer(1, "H");
  size_t n = mul(B, H), g = 3 * n;
  const float* xg = a.f32(2, "xg", g);
  const float* hg = a.f32(3, "hg", g);
  const float* hPrev = a.f32(4, "hPrev", n);
  float* gates = a.f32(5, "gates", g);
  float* h = a.f32(6, "h", n);
  if (a.ok()) g_isa->gruCellForward(B, H, xg, hg, hPrev, gates, h);
  return info.Env().Undefined();
}

Napi::Value GruCellBackward(const Napi::CallbackInfo& info) {
  Args a(info, "gruCellBackward");
  int B = a.integer(0, "B"), H = a.integer(1, "H");
  size_t n = mul(B, H), g = 3 * n;
  const float* gates = a.f32(2, "gates", g);
  const float* hg = a.f32(3, "hg", g);
  const float* hPrev = a.f32(4, "hPrev", n);
  const float* dh = a.f32(5, "dh", n);
  float* dXg = a.f32(6, "dXg", g);
  float* dHg = a.f32(7, "dHg", g);
  float* dhPrev = a.f32(8, "dhPrev", n);
  if (a.ok()) g_isa->gruCellBackward(B, H, gates, hg, hPrev, dh, dXg, dHg, dhPrev);
  return info.Env().Undefined();
}

/** Reads (mode, T, B, I, H, P, activation, slope, rows) at 0..8 and checks the layout. */
bool readSpec(Args& a, SeqArgs& s) {
  s = SeqArgs{};
  s.mode = a.integer(0, "mode");
  s.T = a.integer(1, "T"); s.B = a.integer(2, "B"); s.I = a.integer(3, "I");
  s.H = a.integer(4, "H"); s.P = a.integer(5, "P");
  s.act = a.integer(6, "activation");
  s.slope = (float)a.number(7, "negativeSlope");
  if (!a.ok()) return false;
  if (s.mode > MODE_GRU) return a.fail("mode must be 0 (rnn), 1 (lstm) or 2 (gru)"), false;
  size_t TB = mul(s.T, s.B);
  s.rows = a.i32(8, "rows", TB);
  if (!a.ok()) return false;
  if (s.rows) {
    for (int st = 0; st < s.T; st++) {
      for (int b = 0; b < s.B; b++) {
        int32_t r = s.rows[st * s.B + b];
        if (r < -1 || r >= (int64_t)TB || (r >= 0 && r % s.B != b)) {
          return a.fail("rows[" + std::to_string(st * s.B + b) + "] = " + std::to_string(r) +
                        " is not -1 or a row t*B + " + std::to_string(b) + " of [T=" + std::to_string(s.T) +
                        ", B=" + std::to_string(s.B) + "]"), false;
        }
      }
    }
  }
  return true;
}

int gatesOf(int mode) { return mode == MODE_RNN ? 1 : mode == MODE_LSTM ? 4 : 3; }

Napi::Value SequenceForward(const Napi::CallbackInfo& info) {
  Args a(info, "sequenceForward");
  SeqArgs s;
  if (!readSpec(a, s)) return info.Env().Undefined();
  size_t G = gatesOf(s.mode), GH = G * s.H, N = mul(s.T, s.B), BP = mul(s.B, s.P), BH = mul(s.B, s.H);
  bool lstm = s.mode == MODE_LSTM;
  s.x = a.f32(9, "x", N * s.I);
  s.h0 = a.f32(10, "h0", BP, true);
  s.c0 = lstm ? a.f32(11, "c0", BH, true) : nullptr;
  s.wIh = a.f32(12, "wIh", GH * s.I);
  s.wHh = a.f32(13, "wHh", GH * s.P);
  s.bIh = a.f32(14, "bIh", GH, true);
  s.bHh = a.f32(15, "bHh", GH, true);
  s.wHr = a.f32(16, "wHr", mul(s.P, s.H), true);
  const int outStride = a.integer(25, "outStride");
  if (a.ok() && outStride < s.P) return a.fail("outStride is less than P"), info.Env().Undefined();
  s.outStride = outStride;
  s.out = a.f32(17, "out", N == 0 ? 0 : (N - 1) * (size_t)outStride + s.P, true);
  s.hN = a.f32(18, "hN", BP);
  s.cN = lstm ? a.f32(19, "cN", BH, true) : nullptr;
  s.hAll = a.f32(20, "hAll", (N + s.B) * s.P, true);
  s.cAll = lstm ? a.f32(21, "cAll", (N + s.B) * s.H, true) : nullptr;
  s.gatesAll = s.mode != MODE_RNN ? a.f32(22, "gatesAll", N * GH, true) : nullptr;
  s.hgAll = s.mode == MODE_GRU ? a.f32(23, "hgAll", N * GH, true) : nullptr;
  s.hRawAll = a.f32(24, "hRawAll", N * s.H, true);
  if (!a.ok()) return info.Env().Undefined();
  if (s.wHr && !lstm) return a.fail("a projection wHr is only supported for LSTM"), info.Env().Undefined();
  if (!s.wHr && s.P != s.H) return a.fail("P differs from H without a projection wHr"), info.Env().Undefined();
  g_isa->sequenceForward(s, g_threads);
  return info.Env().Undefined();
}

Napi::Value SequenceBackward(const Napi::CallbackInfo& info) {
  Args a(info, "sequenceBackward");
  SeqArgs s;
  if (!readSpec(a, s)) return info.Env().Undefined();
  size_t G = gatesOf(s.mode), GH = G * s.H, N = mul(s.T, s.B), BP = mul(s.B, s.P), BH = mul(s.B, s.H);
  bool lstm = s.mode == MODE_LSTM, gru = s.mode == MODE_GRU;
  s.x = a.f32(9, "x", N * s.I);
  s.wIh = a.f32(10, "wIh", GH * s.I);
  s.wHh = a.f32(11, "wHh", GH * s.P);
  s.wHr = a.f32(12, "wHr", mul(s.P, s.H), true);
  s.hAll = a.f32(13, "hAll", (N + s.B) * s.P);
  s.cAll = a.f32(14, "cAll", (N + s.B) * s.H, !lstm);
  s.gatesAll = a.f32(15, "gatesAll", N * GH, s.mode == MODE_RNN);
  s.hgAll = a.f32(16, "hgAll", N * GH, !gru);
  s.hRawAll = a.f32(17, "hRawAll", N * s.H, !s.wHr);
  s.dOut = a.f32(18, "dOut", N * s.P, true);
  s.dhN = a.f32(19, "dhN", BP);
  s.dcN = lstm ? a.f32(20, "dcN", BH, true) : nullptr;
  s.dx = a.f32(21, "dx", N * s.I, true);
  s.dh0 = a.f32(22, "dh0", BP, true);
  s.dc0 = lstm ? a.f32(23, "dc0", BH, true) : nullptr;
  s.dWIh = a.f32(24, "dWIh", GH * s.I, true);
  s.dWHh = a.f32(25, "dWHh", GH * s.P, true);
  s.dBIh = a.f32(26, "dBIh", GH, true);
  s.dBHh = a.f32(27, "dBHh", GH, true);
  s.dWHr = s.wHr ? a.f32(28, "dWHr", mul(s.P, s.H), true) : nullptr;
  if (!a.ok()) return info.Env().Undefined();
  if (s.wHr && !lstm) return a.fail("a projection wHr is only supported for LSTM"), info.Env().Undefined();
  if (!s.wHr && s.P != s.H) return a.fail("P differs from H without a projection wHr"), info.Env().Undefined();
  g_isa->sequenceBackward(s, g_threads);
  return info.Env().Undefined();
}

// ---- optimiser updates: (n, param, grad, state..., hyper-parameters) ----
// Complements are computed here in double, as PyTorch computes them in Python, then rounded once.
// Flags are read first: Args::flag coerces without checking for an exception a failed check threw.

Napi::Value SgdUpdate(const Napi::CallbackInfo& info) {
  Args a(info, "sgdUpdate");
  bool init = a.flag(4), nesterov = a.flag(9);
  size_t n = a.integer(0, "n");
  float* p = a.f32(1, "param", n);
  const float* g = a.f32(2, "grad", n);
  float* buf = a.f32(3, "momentumBuf", n, true);
  double lr = a.number(5, "lr"), momentum = a.number(6, "momentum"), dampening = a.number(7, "dampening");
  double wd = a.number(8, "weightDecay");
  if (a.ok()) g_isa->sgdUpdate(n, p, g, momentum != 0 ? buf : nullptr, init, (float)lr, (float)momentum,
                               (float)(1 - dampening), (float)wd, nesterov);
  return info.Env().Undefined();
}

Napi::Value AdagradUpdate(const Napi::CallbackInfo& info) {
  Args a(info, "adagradUpdate");
  size_t n = a.integer(0, "n");
  float* p = a.f32(1, "param", n);
  const float* g = a.f32(2, "grad", n);
  float* sum = a.f32(3, "sum", n);
  double clr = a.number(4, "clr"), wd = a.number(5, "weightDecay"), eps = a.number(6, "eps");
  if (a.ok()) g_isa->adagradUpdate(n, p, g, sum, (float)clr, (float)wd, (float)eps);
  return info.Env().Undefined();
}

Napi::Value RmspropUpdate(const Napi::CallbackInfo& info) {
  Args a(info, "rmspropUpdate");
  size_t n = a.integer(0, "n");
  float* p = a.f32(1, "param", n);
  const float* g = a.f32(2, "grad", n);
  float* squareAvg = a.f32(3, "squareAvg", n);
  float* gradAvg = a.f32(4, "gradAvg", n, true);
  float* buf = a.f32(5, "momentumBuf", n, true);
  double lr = a.number(6, "lr"), alpha = a.number(7, "alpha"), eps = a.number(8, "eps");
  double wd = a.number(9, "weightDecay"), momentum = a.number(10, "momentum");
  if (a.ok()) g_isa->rmspropUpdate(n, p, g, squareAvg, gradAvg, momentum > 0 ? buf : nullptr, (float)lr, (float)alpha,
                                   (float)(1 - alpha), (float)eps, (float)wd, (float)momentum);
  return info.Env().Undefined();
}

Napi::Value AdamUpdate(const Napi::CallbackInfo& info) {
  Args a(info, "adamUpdate");
  bool decoupled = a.flag(11);
  size_t n = a.integer(0, "n");
  float* p = a.f32(1, "param", n);
  const float* g = a.f32(2, "grad", n);
  float* expAvg = a.f32(3, "expAvg", n);
  float* expAvgSq = a.f32(4, "expAvgSq", n);
  float* maxExpAvgSq = a.f32(5, "maxExpAvgSq", n, true);
  double lr = a.number(6, "lr"), beta1 = a.number(7, "beta1"), beta2 = a.number(8, "beta2");
  double eps = a.number(9, "eps"), wd = a.number(10, "weightDecay");
  double stepSize = a.number(12, "stepSize"), bias2Sqrt = a.number(13, "bias2Sqrt");
  if (a.ok()) {
    g_isa->adamUpdate(n, p, g, expAvg, expAvgSq, maxExpAvgSq, (float)beta1, (float)(1 - beta1), (float)beta2,
                      (float)(1 - beta2), (float)eps, decoupled ? 0.0f : (float)wd,
                      decoupled ? (float)(1 - lr * wd) : 1.0f, (float)stepSize, (float)bias2Sqrt);
  }
  return info.Env().Undefined();
}

// ---- softmax cross-entropy ----

Napi::Value CrossEntropyForward(const Napi::CallbackInfo& info) {
  Args a(info, "crossEntropyForward");
  int N = a.integer(0, "N"), C = a.integer(1, "C");
  size_t NC = mul(N, C);
  const float* logits = a.f32(2, "logits", NC);
  const int32_t* targets = a.i32(3, "targets", N);
  double ignore = a.number(4, "ignoreIndex");
  const float* mask = a.f32(5, "mask", N, true);
  const float* weight = a.f32(6, "weight", C, true);
  double smoothing = a.number(7, "labelSmoothing");
  float* loss = a.f32(8, "loss", N);
  float* grad = a.f32(9, "grad", NC, true);
  if (!a.ok()) return info.Env().Undefined();
  if (!targets) return a.fail("targets must be an Int32Array"), info.Env().Undefined();
  if (!(ignore >= -2147483648.0 && ignore <= 2147483647.0) || ignore != (double)(int64_t)ignore) {
    return a.fail("ignoreIndex must be a 32-bit integer"), info.Env().Undefined();
  }
  const int ignoreIndex = (int)ignore;
  // The kernel indexes a row by its target: a kept row's target must be a class.
  for (int r = 0; r < N; r++) {
    int32_t y = targets[r];
    if (y == ignoreIndex || (mask && mask[r] == 0.0f)) continue;
    if (y < 0 || y >= C) {
      return a.fail("targets[" + std::to_string(r) + "] = " + std::to_string(y) + " is outside 0.." +
                    std::to_string(C - 1)), info.Env().Undefined();
    }
  }
  g_isa->crossEntropyForward(N, C, logits, targets, ignoreIndex, mask, weight, (float)smoothing, loss, grad);
  return info.Env().Undefined();
}

Napi::Value CrossEntropyBackward(const Napi::CallbackInfo& info) {
  Args a(info, "crossEntropyBackward");
  int N = a.integer(0, "N"), C = a.integer(1, "C");
  size_t NC = mul(N, C);
  const float* grad = a.f32(2, "grad", NC);
  const float* rowScale = a.f32(3, "rowScale", N, true);
  double scale = a.number(4, "scale");
  float* dx = a.f32(5, "dx", NC);
  if (a.ok()) g_isa->crossEntropyBackward(N, C, grad, rowScale, (float)scale, dx);
  return info.Env().Undefined();
}

Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  Args a(info, "setThreads");
  int n = a.integer(0, "threads");
  if (!a.ok()) return info.Env().Undefined();
  if (n < 1 || n > 256) {
    a.fail("threads must be between 1 and 256, got " + std::to_string(n));
    return info.Env().Undefined();
  }
  setPoolThreads(n);
  g_threads = poolThreads();
  return Napi::Number::New(info.Env(), g_threads);
}

Napi::Value Threads(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), g_threads); }

Napi::Value IsaName(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), g_isa->name); }

/** setIsa(name): 'avx512' | 'avx2' | 'generic'; returns false when this CPU cannot run it. */
Napi::Value SetIsa(const Napi::CallbackInfo& info) {
  const Isa* isa = info[0].IsString() ? isaByName(info[0].As<Napi::String>().Utf8Value()) : nullptr;
  if (isa) g_isa = isa;
  return Napi::Boolean::New(info.Env(), isa != nullptr);
}

Napi::Value SupportedIsas(const Napi::CallbackInfo& info) {
  Napi::Array out = Napi::Array::New(info.Env());
  uint32_t i = 0;
  for (const char* n : {"avx512", "avx2", "generic"}) {
    if (isaByName(n)) out.Set(i++, Napi::String::New(info.Env(), n));
  }
  return out;
}

Napi::Value MallocTuned(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), g_mallocTuned); }

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  if (!g_isa) {
    g_isa = bestIsa();
    g_mallocTuned = tuneMallocForTensors();
  }
  const std::pair<const char*, Napi::Function::Callback> fns[] = {
      {"gemm", Gemm}, {"addRowVector", AddRowVector}, {"sumRowsInto", SumRowsInto},
      {"gatherRows", GatherRows}, {"scatterAddRows", ScatterAddRows},
      {"activationForward", ActivationForward}, {"activationBackward", ActivationBackward},
      {"softmaxRows", SoftmaxRows}, {"logSoftmaxRows", LogSoftmaxRows},
      {"rnnCellForward", RnnCellForward}, {"rnnCellBackward", RnnCellBackward},
      {"lstmCellForward", LstmCellForward}, {"lstmCellBackward", LstmCellBackward},
      {"gruCellForward", GruCellForward}, {"gruCellBackward", GruCellBackward},
      {"sequenceForward", SequenceForward}, {"sequenceBackward", SequenceBackward},
      {"sgdUpdate", SgdUpdate}, {"adagradUpdate", AdagradUpdate}, {"rmspropUpdate", RmspropUpdate},
      {"adamUpdate", AdamUpdate}, {"crossEntropyForward", CrossEntropyForward},
      {"crossEntropyBackward", CrossEntropyBackward},
      {"setThreads", SetThreads}, {"threads", Threads}, {"isa", IsaName}, {"setIsa", SetIsa},
      {"supportedIsas", SupportedIsas}, {"mallocTuned", MallocTuned},
  };
  for (const auto& f : fns) exports.Set(f.first, Napi::Function::New(env, f.second, f.first));
  return exports;
}

}  // namespace
}  // namespace rk

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return rk::Init(env, exports); }

NODE_API_MODULE(rnnkit_native, InitModule)
