#include "runtime/mlp.h"

#include <algorithm>
#include <cstring>
#include <type_traits>

#include "kernels/bf16_kernels.h"
#include "kernels/rcsr_kernels.h"
#include "runtime/memory.h"
#include "runtime/thread_pool.h"

namespace cnn2mlp {

std::string Mlp::check() const {
  if (layers.empty()) return "the MLP has no layers";
  int64_t width = inputSize;
  for (size_t i = 0; i < layers.size(); i++) {
    const MlpLayer& l = layers[i];
    std::string at = "layer " + std::to_string(i) + ": ";
    if (l.cols != width) return at + "takes " + std::to_string(l.cols) + " inputs but the previous layer gives " + std::to_string(width);
    if (l.rows <= 0 || l.cols <= 0) return at + "empty matrix";
    if (!l.bias) return at + "missing bias";
    if (l.values16 && !bf16Runs(l.format)) return at + "bf16 values are not supported for this matrix format";
    if (l.values16 && l.values) return at + "holds both fp32 and bf16 values";
    if (l.format == MatrixFormat::Dense) {
      if (!(l.values || l.values16) || l.ld < l.cols || l.ld % 16) return at + "bad dense storage";
    } else if (l.format == MatrixFormat::Csr) {
      if (!l.rowPtr || (l.nnz > 0 && (!(l.values || l.values16) || !l.colIdx))) return at + "bad CSR storage";
    } else {
      if (!l.rowPtr || !l.rowPat || !l.patPtr || !l.runs || (l.nnz > 0 && !(l.values || l.values16))) return at + "bad run-CSR storage";
    }
    if (l.act.code == ActSoftmax && i + 1 != layers.size()) return at + "softmax is only allowed on the last layer";
    width = l.rows;
  }
  if (width != outputSize) return "the last layer gives " + std::to_string(width) + " outputs, not " + std::to_string(outputSize);
  return "";
}

}  // namespace cnn2mlp

#include <algorithm>
#include <cmath>

namespace cnn2mlp {

std::string checkCsr(int64_t rows, int64_t cols, const int64_t* rowPtr, const int32_t* colIdx, const float* values, int64_t nnz) {
  if (rowPtr[0] != 0) return "rowPtr[0] must be 0";
  if (rowPtr[rows] != nnz) return "rowPtr[rows] must equal the number of nonzeros";
  for (int64_t r = 0; r < rows; r++) {
    if (rowPtr[r + 1] < rowPtr[r]) return "rowPtr decreases at row " + std::to_string(r);
    // Checked before the row is walked: an untrusted rowPtr must never lead colIdx out of bounds.
    if (rowPtr[r + 1] > nnz) return "rowPtr exceeds the number of nonzeros at row " + std::to_string(r);
    int64_t prev = -1;
    for (int64_t j = rowPtr[r]; j < rowPtr[r + 1]; j++) {
      if (colIdx[j] < 0 || colIdx[j] >= cols) return "column index out of range in row " + std::to_string(r);
      if (colIdx[j] <= prev) return "column indices not strictly increasing in row " + std::to_string(r);
      prev = colIdx[j];
      if (values && !std::isfinite(values[j])) return "non-finite value in row " + std::to_string(r);
    }
  }
  return "";
}

}  // namespace cnn2mlp

namespace cnn2mlp {

std::string checkRcsr(int64_t rows, int64_t cols, const int64_t* rowPtr, const int32_t* rowPat, int64_t patterns, const int32_t* patPtr,
                      int64_t numRuns, const int32_t* runs, const float* values, int64_t nnz) {
  if (rowPtr[0] != 0) return "rowPtr[0] must be 0";
  if (rowPtr[rows] != nnz) return "rowPtr[rows] must equal the number of nonzeros";
  if (patPtr[0] != 0 || patPtr[patterns] != numRuns) return "patPtr must start at 0 and end at the number of runs";
  std::vector<int64_t> patLen(size_t(patterns), 0);
  for (int64_t p = 0; p < patterns; p++) {
    if (patPtr[p + 1] < patPtr[p] || patPtr[p + 1] > numRuns) return "patPtr is out of order at pattern " + std::to_string(p);
    int64_t end = 0;  // first column the next run may start at
    for (int32_t q = patPtr[p]; q < patPtr[p + 1]; q++) {
      const int64_t s = runs[2 * q], n = runs[2 * q + 1];
      if (n <= 0 || s < end || s + n > cols) return "run " + std::to_string(q) + " of pattern " + std::to_string(p) + " is empty, overlaps or leaves [0, cols)";
      end = s + n;
      patLen[size_t(p)] += n;
    }
  }
  for (int64_t r = 0; r < rows; r++) {
    if (rowPtr[r + 1] < rowPtr[r] || rowPtr[r + 1] > nnz) return "rowPtr is out of order at row " + std::to_string(r);
    if (rowPat[r] < 0 || rowPat[r] >= patterns) return "row " + std::to_string(r) + " names a pattern out of range";
    if (patLen[size_t(rowPat[r])] != rowPtr[r + 1] - rowPtr[r]) return "row " + std::to_string(r) + " holds a different number of values than its pattern";
  }
  for (int64_t j = 0; values && j < nnz; j++)
    if (!std::isfinite(values[j])) return "non-finite value at " + std::to_string(j);
  return "";
}

template <class W>
void rcsrInterleave(int64_t rows, const int64_t* rowPtr, const int32_t* rowPat, const W* rowMajor, W* out) {
  forEachRcsrChunk(rowPat, rows, 0, rows, [&](int64_t c0, int64_t c1) {
    const int64_t b = c1 - c0, n = rowPtr[c0 + 1] - rowPtr[c0];
    W* dst = out + rowPtr[c0];
    for (int64_t j = 0; j < b; j++)
      for (int64_t i = 0; i < n; i++) dst[i * b + j] = rowMajor[rowPtr[c0 + j] + i];
  });
}
template void rcsrInterleave<float>(int64_t, const int64_t*, const int32_t*, const float*, float*);
template void rcsrInterleave<uint16_t>(int64_t, const int64_t*, const int32_t*, const uint16_t*, uint16_t*);

template <class W>
void rcsrReadRows(int64_t rows, const int64_t* rowPtr, const int32_t* rowPat, const W* values, int64_t r0, int64_t r1, W* dst) {
  forEachRcsrChunk(rowPat, rows, r0, r1, [&](int64_t c0, int64_t c1) {
    const int64_t b = c1 - c0, n = rowPtr[c0 + 1] - rowPtr[c0];
    for (int64_t r = std::max(c0, r0); r < std::min(c1, r1); r++) {
      const W* src = values + rowPtr[c0] + (r - c0);
      W* out = dst + (rowPtr[r] - rowPtr[r0]);
      for (int64_t i = 0; i < n; i++) out[i] = src[i * b];
    }
  });
}
template void rcsrReadRows<float>(int64_t, const int64_t*, const int32_t*, const float*, int64_t, int64_t, float*);
template void rcsrReadRows<uint16_t>(int64_t, const int64_t*, const int32_t*, const uint16_t*, int64_t, int64_t, uint16_t*);

void RcsrArrays::addRow(const int32_t* cols, int64_t n) {
  const size_t mark = runs.size();
  for (int64_t j = 0; j < n;) {
    int64_t k = j + 1;
    while (k < n && cols[k] == cols[k - 1] + 1) k++;
    runs.push_back(cols[j]);
    runs.push_back(int32_t(k - j));
    j = k;
  }
  const size_t len = runs.size() - mark;
  if (patterns() > 0) {
    const size_t prev = size_t(patPtr[size_t(patterns()) - 1]) * 2;
    if (mark - prev == len && std::equal(runs.begin() + long(mark), runs.end(), runs.begin() + long(prev))) {
      runs.resize(mark);
      rowPat.push_back(int32_t(patterns() - 1));
      return;
    }
  }
  patPtr.push_back(int32_t(runs.size() / 2));
  rowPat.push_back(int32_t(patterns() - 1));
}

}  // namespace cnn2mlp

namespace cnn2mlp {
namespace {
// Points l's run-CSR index arrays (rowPtr, rowPat, patPtr, runs) at copies l owns.
void copyRcsrIndex(MlpLayer& l) {
  auto copy = [&](const auto* src, int64_t n, const char* what) {
    using T = std::remove_const_t<std::remove_pointer_t<decltype(src)>>;
    auto buf = Buffer::allocate(size_t(std::max<int64_t>(n, 1)) * sizeof(T), what);
    std::memcpy(buf->data(), src, size_t(n) * sizeof(T));
    l.storage.push_back(buf);
    return static_cast<const T*>(buf->data());
  };
  l.rowPtr = copy(l.rowPtr, l.rows + 1, "run-CSR row pointers");
  l.rowPat = copy(l.rowPat, l.rows, "run-CSR row patterns");
  l.patPtr = copy(l.patPtr, l.patterns + 1, "run-CSR pattern pointers");
  l.runs = copy(l.runs, 2 * l.numRuns, "run-CSR runs");
}
}  // namespace

std::shared_ptr<Mlp> mlpToBf16(const Mlp& mlp, int threads) {
  auto out = std::make_shared<Mlp>();
  out->inputSize = mlp.inputSize;
  out->outputSize = mlp.outputSize;
  for (const MlpLayer& src : mlp.layers) {
    if (src.format == MatrixFormat::Csr || src.values16) {
      out->layers.push_back(src);
      continue;
    }
    MlpLayer l = src;
    const bool dense = l.format == MatrixFormat::Dense;
    l.storage.clear();  // not the fp32 weights: the copy must not keep them alive
    if (!dense) copyRcsrIndex(l);
    auto biasBuf = Buffer::allocate(size_t(l.rows) * 4, "bias");
    std::memcpy(biasBuf->data(), src.bias, size_t(l.rows) * 4);
    l.bias = biasBuf->as<float>();
    const int64_t count = dense ? l.rows * l.ld : l.nnz;
    auto wBuf = Buffer::allocate(size_t(std::max<int64_t>(count, 1)) * 2, "bf16 weights");
    uint16_t* w = wBuf->as<uint16_t>();
    const int64_t per = int64_t(1) << 16;
    parallelFor((count + per - 1) / per, threads, [&](int64_t c, int) {
      for (int64_t i = c * per, i1 = std::min(count, (c + 1) * per); i < i1; i++) w[i] = roundToBf16(src.values[i]);
    });
    l.values = nullptr;
    l.values16 = w;
    l.storage.push_back(biasBuf);
    l.storage.push_back(wBuf);
    out->layers.push_back(std::move(l));
  }
  return out;
}
}  // namespace cnn2mlp
