// XXH64 (seed 0), written from the published algorithm description: a fast non-cryptographic
// 64-bit hash (about 10 GB/s per core in portable C++), used for the MLP file's section checksums.
#pragma once
#include <cstddef>
#include <cstdint>

namespace cnn2mlp {
uint64_t xxhash64(const void* data, size_t len, uint64_t seed = 0);
}
