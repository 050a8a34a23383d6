// The addon's own persistent thread pool (process-wide, shared by every environment and worker
// thread). Kernels run here, not on libuv's pool, which fs and dns also need. Several jobs may
// run at once: each parallelFor call is one job whose chunks any idle worker, and the calling
// thread itself, pick up; the caller returns when all its chunks are done.
#pragma once
#include <cstdint>
#include <functional>

namespace cnn2mlp {

// fn(chunk, worker): worker is in [0, threads) and unique among the threads running this job at
// one time, so it can index per-thread scratch space.
using ChunkFn = std::function<void(int64_t chunk, int worker)>;

// Runs fn for every chunk in [0, chunks) on at most `threads` threads (the caller included) and
// blocks until all are done. threads <= 1 runs inline. An exception thrown by fn is rethrown here
// after the job drains.
void parallelFor(int64_t chunks, int threads, const ChunkFn& fn);

// Threads a kernel should use when the caller asked for `requested` (0 = all logical cores).
int resolveThreads(int requested);

// Largest thread count a caller may request.
constexpr int kMaxThreads = 256;

}  // namespace cnn2mlp
