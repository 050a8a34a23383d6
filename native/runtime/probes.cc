// Machine probes (see probes.h). They use their own std::threads, not the kernel pool: a probe
// needs its threads to run at the same time (the bandwidth rounds spin on a barrier), which a
// pool shared with other running jobs cannot promise.
#include "runtime/probes.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "runtime/dispatch.h"
#include "runtime/memory.h"
#include "runtime/thread_pool.h"

namespace cnn2mlp {
namespace {
double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }
volatile double g_sink;

// Runs fn(t) on `threads` OS threads (t = 0 on the caller) and joins them.
template <class Fn>
void runThreads(int threads, Fn fn) {
  std::vector<std::thread> ts;
  for (int t = 1; t < threads; t++) ts.emplace_back([&fn, t] { fn(t); });
  fn(0);
  for (auto& th : ts) th.join();
}

int cappedThreads(int threads) {
  threads = resolveThreads(threads);
  const int hw = static_cast<int>(std::thread::hardware_concurrency());
  return hw > 0 ? std::min(threads, hw) : threads;
}
}  // namespace

double probeReadBandwidth(int64_t bytes, int threads, int reps) {
  threads = cappedThreads(threads);
  constexpr int64_t kBlock = 16384;                   // floats: 64 KiB
  constexpr int64_t kRound = int64_t(4) << 20;        // floats per thread per round: 16 MiB (~1 ms)
  const int64_t per = bytes / 4 / threads / kBlock * kBlock;  // floats per thread
  if (per <= 0) return 0;
  auto buf = Buffer::allocate(size_t(per * threads) * 4, "bandwidth probe buffer");
  float* x = buf->as<float>();
  runThreads(threads, [&](int t) {
    float* p = x + t * per;
    for (int64_t i = 0; i < per; i++) p[i] = 1.f;
  });
  const SumFn sum = activeKernel(KernelOp::Sum).fn.sum;
  const int64_t rounds = (per + kRound - 1) / kRound;
  std::atomic<int64_t> arrived{0};
  std::vector<double> sums(size_t(threads), 0);
  double best = 0;  // bytes/s of the best round
  runThreads(threads, [&](int t) {
    const float* p = x + t * per;
    double s = 0;
    int64_t gen = 0;
    for (int rep = 0; rep < std::max(1, reps); rep++)
      for (int64_t r = 0; r < rounds; r++) {
        // Barrier: every thread starts the round together; thread 0 times it.
        const int64_t target = ++gen * threads;
        arrived.fetch_add(1);
        while (arrived.load() < target) std::this_thread::yield();
        const double t0 = now();
        const int64_t a = r * kRound, n = std::min(per - a, kRound);
        s += sum(p + a, n);
        // Second barrier: the round ends when the slowest thread is done.
        const int64_t target2 = ++gen * threads;
        arrived.fetch_add(1);
        while (arrived.load() < target2) std::this_thread::yield();
        if (t == 0) best = std::max(best, double(n) * 4 * threads / (now() - t0));
      }
    sums[size_t(t)] = s;
  });
  double s = 0;
  for (double v : sums) s += v;
  g_sink = s;
  return best;
}

double probeFmaPeak(int threads, double seconds) {
  threads = cappedThreads(threads);
  const Kernel& fma = activeKernel(KernelOp::Fma);
  // Calibrate on this thread: iterations per ~0.25 ms burst (short enough that many bursts run
  // without a context switch on a loaded machine, long enough that the clock reads are noise).
  float sink = 0;
  int64_t iters = 1 << 8;
  for (;;) {
    const double t0 = now();
    fma.fn.fma(iters, &sink);
    if (now() - t0 > 2.5e-4 || iters > (int64_t(1) << 40)) break;
    iters *= 2;
  }
  std::vector<double> best(size_t(threads), 0);
  runThreads(threads, [&](int t) {
    float s = 0;
    const double start = now();
    double b = 0;
    for (;;) {
      const double t0 = now();
      const int64_t n = fma.fn.fma(iters, &s);
      const double t1 = now();
      b = std::max(b, double(n) / (t1 - t0));
      if (t1 - start >= seconds) break;
    }
    best[size_t(t)] = b;
    g_sink = s;
  });
  double total = 0;
  for (double b : best) total += b;
  return 2.0 * fma.lanes * total;
}

}  // namespace cnn2mlp
