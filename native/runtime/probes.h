// Machine-limit probes the benchmarks report kernel speed against: sustained DRAM read bandwidth
// and fp32 FMA peak of the active ISA. Both are throughput probes on a shared machine, where
// interference can only make a reading lower, so both keep the best short interval instead of an
// average over the whole run (docs/mlp-kernels.md, "Machine probes").
#pragma once
#include <cstdint>

namespace cnn2mlp {

// Bytes/s reading `bytes` of memory (rounded down to whole 64 KiB blocks per thread) with
// `threads` OS threads that run concurrently. Each thread sums its own 1/threads share in rounds
// of 16 MiB (all threads in lock step, a spin barrier between rounds); the figure is the best
// round (bytes read by all threads / the round's wall time) over `reps` passes of the buffer. The
// buffer is written first so its pages are real (untouched mmap pages map the shared zero page,
// which reads from cache); it should be several times the last-level cache.
double probeReadBandwidth(int64_t bytes, int threads, int reps);
// FLOP/s (2 per FMA lane) of independent FMA chains with the active ISA: each of `threads` OS
// threads (capped at the logical core count) runs ~0.25 ms bursts for about `seconds` and keeps
// its best burst; the result is the sum of the threads' best rates (one thread per core: FMA
// ports are a per-core resource).
double probeFmaPeak(int threads, double seconds);

}  // namespace cnn2mlp
