// Machine-limit probes the benchmarks report kernel speed against: sustained read bandwidth
// (STREAM-style sum over a buffer far larger than the caches) and fp32 FMA peak of the active ISA.
#pragma once
#include <cstdint>

namespace cnn2mlp {

// Bytes/s reading `bytes` of memory (rounded down to a multiple of 512 B per thread) with
// `threads` threads, best of `reps`. The buffer is written first so its pages are real (untouched
// mmap pages all map the shared zero page, which would be read from cache).
double probeReadBandwidth(int64_t bytes, int threads, int reps);
// FLOP/s (2 per FMA lane) of independent FMA chains on `threads` threads for about `seconds`.
double probeFmaPeak(int threads, double seconds);

}  // namespace cnn2mlp
