#include "runtime/probes.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <vector>

#include "kernels/mlp_kernels.h"
#include "runtime/memory.h"
#include "runtime/thread_pool.h"

namespace cnn2mlp {
namespace {
double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }
volatile double g_sink;
}  // namespace

double probeReadBandwidth(int64_t bytes, int threads, int reps) {
  threads = resolveThreads(threads);
  const int64_t per = bytes / 4 / threads / 128 * 128;  // floats per thread, whole 512-B blocks
  if (per <= 0) return 0;
  auto buf = Buffer::allocate(size_t(per * threads) * 4, "bandwidth probe buffer");
  float* x = buf->as<float>();
  parallelFor(threads, threads, [&](int64_t c, int) {
    float* p = x + c * per;
    for (int64_t i = 0; i < per; i++) p[i] = 1.f;
  });
  const auto& sum = sumKernel();
  std::vector<double> sums(size_t(threads), 0);
  double best = 1e300;
  for (int r = 0; r < std::max(1, reps); r++) {
    const double t0 = now();
    parallelFor(threads, threads, [&](int64_t c, int) { sums[size_t(c)] = sum.fn(x + c * per, per); });
    best = std::min(best, now() - t0);
  }
  double s = 0;
  for (double v : sums) s += v;
  g_sink = s;
  return double(per * threads) * 4 / best;
}

double probeFmaPeak(int threads, double seconds) {
  threads = resolveThreads(threads);
  const auto& fma = fmaKernel();
  // Calibrate on this thread: iterations per ~1 ms slice.
  float sink = 0;
  int64_t iters = 1 << 12;
  for (;;) {
    const double t0 = now();
    fma.fn(iters, &sink);
    if (now() - t0 > 1e-3 || iters > (int64_t(1) << 40)) break;
    iters *= 2;
  }
  std::atomic<int64_t> total{0};
  const double t0 = now();
  parallelFor(threads, threads, [&](int64_t, int) {
    float s = 0;
    int64_t n = 0;
    const double start = now();
    do n += fma.fn(iters, &s);
    while (now() - start < seconds);
    total += n;
    g_sink = s;
  });
  const double wall = now() - t0;
  return 2.0 * fma.lanes * double(total.load()) / wall;
}

}  // namespace cnn2mlp
