#include "runtime/thread_pool.h"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <immintrin.h>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "runtime/cpu.h"

namespace cnn2mlp {
namespace {

struct Job {
  const ChunkFn* fn;
  int64_t chunks;
  std::atomic<int64_t> next{0};
  int64_t finished = 0;  // guarded by mu
  int helperSlots;  // further workers that may join; guarded by the pool mutex
  int nextWorkerId = 1;  // guarded by the pool mutex
  std::mutex mu;
  std::condition_variable cv;
  std::exception_ptr error;
};

class Pool {
 public:
  void run(int64_t chunks, int threads, const ChunkFn& fn) {
    auto job = std::make_shared<Job>();
    job->fn = &fn;
    job->chunks = chunks;
    job->helperSlots = threads - 1;
    ensureWorkers(threads - 1);
    {
      std::lock_guard<std::mutex> lock(mu_);
      queue_.push_back(job);
      queued_.fetch_add(1, std::memory_order_release);
    }
    cv_.notify_all();
    work(*job, 0);
    {
      // Withdraw the job so no late worker joins it, then wait for the ones that did.
      std::lock_guard<std::mutex> lock(mu_);
      for (auto it = queue_.begin(); it != queue_.end(); ++it)
        if (it->get() == job.get()) {
          queue_.erase(it);
          queued_.fetch_sub(1, std::memory_order_relaxed);
          break;
        }
    }
    std::unique_lock<std::mutex> lock(job->mu);
    job->cv.wait(lock, [&] { return job->finished == job->chunks; });
    if (job->error) std::rethrow_exception(job->error);
  }

 private:
  static void work(Job& job, int worker) {
    int64_t done = 0;
    for (;;) {
      int64_t c = job.next.fetch_add(1, std::memory_order_relaxed);
      if (c >= job.chunks) break;
      try {
        (*job.fn)(c, worker);
      } catch (...) {
        std::lock_guard<std::mutex> lock(job.mu);
        if (!job.error) job.error = std::current_exception();
      }
      done++;
    }
    if (done > 0) {
      std::lock_guard<std::mutex> lock(job.mu);
      job.finished += done;
      if (job.finished == job.chunks) job.cv.notify_all();
    }
  }

  void ensureWorkers(int n) {
    if (n <= 0) return;
    std::lock_guard<std::mutex> lock(mu_);
    while (static_cast<int>(workers_.size()) < n && static_cast<int>(workers_.size()) < kMaxThreads) {
      workers_.emplace_back([this] { loop(); });
      workers_.back().detach();
    }
  }

  void loop() {
    for (;;) {
      std::shared_ptr<Job> job;
      int worker = 0;
      // Spin briefly before parking: a network runs one parallelFor per layer, and waking a parked
      // thread (futex) costs tens of microseconds on a VM — more than a small layer's whole work.
      for (int i = 0; i < kSpinIterations && queued_.load(std::memory_order_acquire) == 0; i++) _mm_pause();
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return !queue_.empty(); });
        job = queue_.front();
        worker = job->nextWorkerId++;
        if (--job->helperSlots <= 0) {
          queue_.pop_front();
          queued_.fetch_sub(1, std::memory_order_relaxed);
        }
      }
      work(*job, worker);
    }
  }

  static constexpr int kSpinIterations = 4000;  // ~50–150 µs of PAUSE
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<Job>> queue_;
  std::atomic<int> queued_{0};  // queue_.size(), readable without the lock while spinning
  std::vector<std::thread> workers_;
};

Pool& pool() {
  // Never destroyed: detached workers may still be parked on its condition variable at exit.
  static Pool* p = new Pool();
  return *p;
}

}  // namespace

void parallelFor(int64_t chunks, int threads, const ChunkFn& fn) {
  if (chunks <= 0) return;
  if (threads > chunks) threads = static_cast<int>(chunks);
  if (threads <= 1) {
    for (int64_t c = 0; c < chunks; c++) fn(c, 0);
    return;
  }
  pool().run(chunks, threads, fn);
}

int resolveThreads(int requested) {
  if (requested <= 0) return cpuFeatures().logicalCores;
  return requested > kMaxThreads ? kMaxThreads : requested;
}

}  // namespace cnn2mlp
