// The converted MLP as it lives in native memory: a chain of layers y = act(W·x + b) with W dense
// (row-major, padded rows) or CSR. Storage is shared_ptr-owned (heap, mmap'd anonymous memory or a
// memory-mapped file), so a running job keeps it alive even if the JS handle is disposed.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "runtime/plan.h"

namespace cnn2mlp {

struct MlpLayer {
  int64_t rows = 0;  // outputs
  int64_t cols = 0;  // inputs
  MatrixFormat format = MatrixFormat::Dense;
  // Dense: rows × ld floats, row r at values + r*ld; ld >= cols and a multiple of 16 (64-byte
  // aligned rows); padding columns are zero.
  int64_t ld = 0;
  const float* values = nullptr;  // dense: rows*ld; csr: nnz
  // CSR: 64-bit row pointers (nnz may exceed 2^31), 32-bit sorted column indices.
  const int64_t* rowPtr = nullptr;  // rows + 1
  const int32_t* colIdx = nullptr;  // nnz
  int64_t nnz = 0;  // csr: stored entries; dense: rows*cols
  const float* bias = nullptr;  // rows, never null
  Activation act;
  std::vector<std::shared_ptr<void>> storage;  // owners of the arrays above

  int64_t weightBytes() const {
    return format == MatrixFormat::Dense ? rows * ld * 4 : nnz * 8 + (rows + 1) * 8;
  }
  int64_t bytes() const { return weightBytes() + rows * 4; }
};

struct Mlp {
  int64_t inputSize = 0;
  int64_t outputSize = 0;
  std::vector<MlpLayer> layers;
  int64_t bytes() const {
    int64_t b = 0;
    for (const auto& l : layers) b += l.bytes();
    return b;
  }
  // Empty string when the chain is consistent (sizes link, arrays present), else what is wrong.
  std::string check() const;
};

// Dense row stride for `cols` inputs.
inline int64_t denseLd(int64_t cols) { return (cols + 15) / 16 * 16; }

}  // namespace cnn2mlp

namespace cnn2mlp {
// Checks CSR arrays: rowPtr starts at 0, never decreases, ends at nnz; column indices in
// [0, cols) and strictly increasing within a row; values finite. Empty string when valid.
std::string checkCsr(int64_t rows, int64_t cols, const int64_t* rowPtr, const int32_t* colIdx, const float* values, int64_t nnz);
}  // namespace cnn2mlp
