// A small persistent thread pool. Workers sleep on a condition variable between jobs after a
// short bounded spin, so an idle pool costs no CPU; one job runs at a time (several Node
// isolates, e.g. worker_threads, may share the addon and therefore the pool).
#include "common.h"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define RK_PAUSE() _mm_pause()
#else
#define RK_PAUSE() std::atomic_signal_fence(std::memory_order_seq_cst)
#endif

namespace rk {
namespace {

constexpr int kSpins = 4000;  // ~ tens of microseconds, then sleep

class Pool {
 public:
  void resize(int threads) {
    std::lock_guard<std::mutex> lock(runMutex_);
    stopWorkers();
    int workers = threads > 1 ? threads - 1 : 0;
    stop_.store(false);
    // The generation is read here, not in the new thread: a job posted before the thread starts
    // running must still count as new for it.
    uint32_t gen = generation_.load(std::memory_order_acquire);
    for (int i = 0; i < workers; i++) workers_.emplace_back([this, i, gen] { loop(i + 1, gen); });
  }

  int threads() const { return static_cast<int>(workers_.size()) + 1; }

  void run(int ntasks, TaskFn fn, void* ctx) {
    std::lock_guard<std::mutex> lock(runMutex_);
    int nw = static_cast<int>(workers_.size());
    if (ntasks <= 1 || nw == 0) {
      for (int t = 0; t < ntasks; t++) fn(ctx, t, ntasks);
      return;
    }
    fn_ = fn; ctx_ = ctx; ntasks_ = ntasks;
    remaining_.store(nw, std::memory_order_relaxed);
    wakeWorkers();
    for (int t = 0; t < ntasks; t += nw + 1) fn(ctx, t, ntasks);
    for (int spin = 0; remaining_.load(std::memory_order_acquire) != 0; spin++) {
      if (spin < kSpins) { RK_PAUSE(); continue; }
      std::unique_lock<std::mutex> lock(sleepMutex_);
      doneCv_.wait(lock, [this] { return remaining_.load(std::memory_order_acquire) == 0; });
    }
  }

 private:
  void loop(int id, uint32_t seen) {
    for (;;) {
      for (int spin = 0; generation_.load(std::memory_order_acquire) == seen; spin++) {
        if (spin < kSpins) { RK_PAUSE(); continue; }
        std::unique_lock<std::mutex> lock(sleepMutex_);
        jobCv_.wait(lock, [this, seen] { return generation_.load(std::memory_order_acquire) != seen; });
      }
      seen = generation_.load(std::memory_order_acquire);
      if (stop_.load(std::memory_order_acquire)) return;
      int stride = static_cast<int>(workers_.size()) + 1;
      for (int t = id; t < ntasks_; t += stride) fn_(ctx_, t, ntasks_);
      if (remaining_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        { std::lock_guard<std::mutex> lock(sleepMutex_); }  // a sleeper checks under this lock: no lost wake-up
        doneCv_.notify_one();
      }
    }
  }

  void stopWorkers() {
    if (workers_.empty()) return;
    stop_.store(true, std::memory_order_release);
    wakeWorkers();
    for (auto& w : workers_) w.join();
    workers_.clear();
  }

  void wakeWorkers() {
    generation_.fetch_add(1, std::memory_order_release);
    { std::lock_guard<std::mutex> lock(sleepMutex_); }
    jobCv_.notify_all();
  }

  std::mutex runMutex_;
  std::mutex sleepMutex_;
  std::condition_variable jobCv_, doneCv_;
  std::vector<std::thread> workers_;
  std::atomic<uint32_t> generation_{0};
  std::atomic<int> remaining_{0};
  std::atomic<bool> stop_{false};
  TaskFn fn_ = nullptr;
  void* ctx_ = nullptr;
  int ntasks_ = 0;
};

// Never destroyed: workers blocked in a wait must not be joined by a static destructor at exit.
Pool& pool() {
  static Pool* p = new Pool();
  return *p;
}

}  // namespace

void parallelRun(int ntasks, TaskFn fn, void* ctx) { pool().run(ntasks, fn, ctx); }
int poolThreads() { return pool().threads(); }
void setPoolThreads(int n) { pool().resize(n < 1 ? 1 : n); }

}  // namespace rk
