#include "runtime/mlp.h"

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
    if (l.format == MatrixFormat::Dense) {
      if (!l.values || l.ld < l.cols || l.ld % 16) return at + "bad dense storage";
    } else {
      if (!l.rowPtr || (l.nnz > 0 && (!l.values || !l.colIdx))) return at + "bad CSR storage";
    }
    if (l.act.code == ActSoftmax && i + 1 != layers.size()) return at + "softmax is only allowed on the last layer";
    width = l.rows;
  }
  if (width != outputSize) return "the last layer gives " + std::to_string(width) + " outputs, not " + std::to_string(outputSize);
  return "";
}

}  // namespace cnn2mlp

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
      if (!std::isfinite(values[j])) return "non-finite value in row " + std::to_string(r);
    }
  }
  return "";
}

}  // namespace cnn2mlp
