// Runs a converted MLP on a batch: y = act(W·x + b) layer by layer with the kernels of
// kernels/mlp_kernels.h. Per-run scratch only, so concurrent runs on one Mlp are safe.
#pragma once
#include <cstdint>

#include "runtime/mlp.h"

namespace cnn2mlp {

// in: batch × mlp.inputSize floats (sample-major); out: batch × mlp.outputSize floats.
// threads: 0 = all cores. Throws CodedError("ERR_TOO_LARGE") if scratch cannot be allocated.
void mlpExecute(const Mlp& mlp, const float* in, int64_t batch, int threads, float* out);

// Row boundaries that split a CSR matrix's nonzeros evenly into `chunks` parts (binary search on
// rowPtr): bounds[c]..bounds[c+1] is chunk c; bounds has chunks + 1 entries.
void balancedCsrChunks(const int64_t* rowPtr, int64_t rows, int64_t chunks, int64_t* bounds);

}  // namespace cnn2mlp
