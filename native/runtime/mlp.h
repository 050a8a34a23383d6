// The converted MLP as it lives in native memory: a chain of layers y = act(W·x + b) with W dense
// (row-major, padded rows), CSR or run-CSR (kernels/rcsr_kernels.h, docs/run-csr.md). Storage is shared_ptr-owned (heap, mmap'd anonymous memory or a
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
  const float* values = nullptr;  // dense: rows*ld; csr/rcsr: nnz; null when the layer holds bf16 values
  // bf16 weights (kernels/bf16_kernels.h) in place of `values`, same count and order (dense: rows × ld;
  // run-CSR: chunk-interleaved); set for any format means "this layer's values are bf16".
  const uint16_t* values16 = nullptr;
  // CSR: 64-bit row pointers (nnz may exceed 2^31), 32-bit sorted column indices.
  const int64_t* rowPtr = nullptr;  // rows + 1
  const int32_t* colIdx = nullptr;  // nnz
  int64_t nnz = 0;  // csr/rcsr: stored entries; dense: rows*cols
  // Run-CSR (rowPtr as CSR, values chunk-interleaved: kernels/rcsr_kernels.h; colIdx null): each
  // row's pattern, the patterns' runs.
  const int32_t* rowPat = nullptr;  // rows
  const int32_t* patPtr = nullptr;  // patterns + 1
  const int32_t* runs = nullptr;  // 2 · runs: (start column, length)
  int64_t patterns = 0, numRuns = 0;
  // Weight bytes as dense, CSR and run-CSR, known when the builder weighed them (else -1).
  int64_t candidateBytes[3] = {-1, -1, -1};
  const float* bias = nullptr;  // rows, never null
  Activation act;
  std::vector<std::shared_ptr<void>> storage;  // owners of the arrays above

  int64_t valueBytes() const { return values16 ? 2 : 4; }  // bytes per stored weight
  int64_t weightBytes() const {
    if (format == MatrixFormat::Dense) return rows * ld * valueBytes();
    if (format == MatrixFormat::Csr) return nnz * (valueBytes() + 4) + (rows + 1) * 8;
    return rcsrBytes(rows, nnz, patterns, numRuns, valueBytes());
  }
  // Weight bytes of a run-CSR matrix: values, rowPtr, rowPat, patPtr, runs.
  static int64_t rcsrBytes(int64_t rows, int64_t nnz, int64_t patterns, int64_t runs, int64_t valueBytes = 4) {
    return nnz * valueBytes + (rows + 1) * 8 + rows * 4 + (patterns + 1) * 4 + runs * 8;
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

// A copy of `mlp` whose dense and run-CSR layers hold bf16 weights (round to nearest even, same
// layout, fp32 bias kept); CSR layers stay fp32 (shared, not copied). Runs on `threads` threads.
std::shared_ptr<Mlp> mlpToBf16(const Mlp& mlp, int threads);

// Formats whose kernels take bf16 values (Mlp::check refuses bf16 values on any other).
inline bool bf16Runs(MatrixFormat f) { return f == MatrixFormat::Dense || f == MatrixFormat::Rcsr; }

// True when the bf16 bit pattern is an infinity or NaN (exponent all ones).
inline bool bf16NonFinite(uint16_t v) { return (v & 0x7f80u) == 0x7f80u; }

// Dense row stride for `cols` inputs.
inline int64_t denseLd(int64_t cols) { return (cols + 15) / 16 * 16; }

}  // namespace cnn2mlp

namespace cnn2mlp {
// Checks CSR arrays: rowPtr starts at 0, never decreases, ends at nnz; column indices in
// [0, cols) and strictly increasing within a row; values finite (not checked when values is null:
// bf16 values, checked by the caller). Empty string when valid.
std::string checkCsr(int64_t rows, int64_t cols, const int64_t* rowPtr, const int32_t* colIdx, const float* values, int64_t nnz);
// Checks run-CSR arrays (rcsr_kernels.h): rowPtr as for CSR; patterns in range; runs of each
// pattern ascending, non-overlapping, within [0, cols), lengths > 0; each row's value count equal
// to its pattern's length; values finite (unless null, as for checkCsr). Empty string when valid.
std::string checkRcsr(int64_t rows, int64_t cols, const int64_t* rowPtr, const int32_t* rowPat, int64_t patterns, const int32_t* patPtr,
                      int64_t numRuns, const int32_t* runs, const float* values, int64_t nnz);

// Run-CSR values in row order (value i of row r at rowMajor[rowPtr[r] + i], as CSR) → the chunk-
// interleaved layout of rcsr_kernels.h in `out` (nnz values; rowPat already checked by checkRcsr).
template <class W>
void rcsrInterleave(int64_t rows, const int64_t* rowPtr, const int32_t* rowPat, const W* rowMajor, W* out);
// The inverse for rows [r0, r1): their values in row order into dst (rowPtr[r1] − rowPtr[r0] values).
template <class W>
void rcsrReadRows(int64_t rows, const int64_t* rowPtr, const int32_t* rowPat, const W* values, int64_t r0, int64_t r1, W* dst);

// Run-CSR arrays built from CSR: maximal runs of consecutive columns per row; a row reuses the
// previous row's pattern when its runs are the same (rows of one conv output position).
struct RcsrArrays {
  std::vector<int32_t> rowPat, patPtr{0}, runs;
  void addRow(const int32_t* cols, int64_t n);  // appends the next row's pattern (or reuses the last)
  int64_t patterns() const { return int64_t(patPtr.size()) - 1; }
  int64_t numRuns() const { return int64_t(runs.size()) / 2; }
};
}  // namespace cnn2mlp
