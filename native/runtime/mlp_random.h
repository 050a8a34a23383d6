// Benchmark inputs: a one-layer MLP with the exact sparsity pattern of a converted 'same'-padded
// k×k convolution (NHWC, TF padding: extra pad at the bottom/right), random weights in [-1, 1),
// built directly in native memory so multi-GB dense layers never pass through JS.
#pragma once
#include <cstdint>
#include <memory>

#include "runtime/mlp.h"

namespace cnn2mlp {
// rows = ceil(H/stride)·ceil(W/stride)·cout, cols = H·W·cin. csr = false stores the same matrix dense.
std::shared_ptr<Mlp> randomConvMlp(int64_t H, int64_t W, int64_t cin, int64_t cout, int k, int stride, bool csr, uint64_t seed);
}  // namespace cnn2mlp
