// Builds a converted MLP natively: each layer is y = act(diag(scale)·(P·M·x) + shift) where P is a
// plan op (conv2d, dense, avg pool) or an explicit small CSR matrix, M the input map (logical input
// → Σ coef·unit + const over the previous layer's units) and rowLogical a row permutation (see
// src/convert/planner.ts, which plans these maps). Rows are composed independently in parallel:
// taps of P for the row's logical output, pushed through M, sorted by column and merged. Dense
// layers are written once into zeroed memory; CSR by two passes (count per row, prefix sum into
// the int64 rowPtr, fill), so nothing is ever copied or grown.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "runtime/mlp.h"
#include "runtime/plan.h"

namespace cnn2mlp {

struct AffineMapView {
  int64_t n = 0;
  const int32_t* off = nullptr;  // n + 1
  const int32_t* unit = nullptr;  // off[n]
  const double* coef = nullptr;  // off[n]
  const double* cnst = nullptr;  // n
};

struct LayerSpec {
  int prim = PrimExplicit;
  PlanOp op;  // conv/dense/avg
  const float* weights = nullptr;  // conv HWIO, dense [in, out]
  const float* bias = nullptr;  // may be null
  const float* weightsT = nullptr;  // dense: [out, in], filled in by buildMlp
  int64_t rows = 0, cols = 0;
  int64_t logicalIn = 0;  // logical inputs of P (the map's n, or cols without a map)
  bool hasMap = false;
  AffineMapView map;
  // explicit: CSR over logical inputs (= columns when there is no map), one bias per logical row.
  // conv/dense/avg with hasAddend: CSR over the columns added to each row (rows ≥ the op's
  // outputs: row r < primaryRows is the op's output plus addend row r, later rows are the addend
  // alone) — residual adds and values carried past the op.
  bool hasAddend = false;
  int64_t primaryRows = 0;
  const int32_t* csrPtr = nullptr;
  const int32_t* csrCol = nullptr;
  const double* csrVal = nullptr;
  const double* csrBias = nullptr;
  const int32_t* rowLogical = nullptr;  // rows, or null (identity)
  const double* rowScale = nullptr;  // rows, or null (1)
  const double* rowShift = nullptr;  // rows, or null (0)
  Activation act;
};

struct BuildOptions {
  MatrixFormat format = MatrixFormat::Csr;
  bool autoFormat = false;  // per layer the smallest of dense, CSR, run-CSR (dense within 25 %)
  int threads = 1;
  int64_t maxBytes = 0;  // 0: no limit besides available memory
  double* progress = nullptr;  // [done, total] units of work (rows, counted once per pass), or null
  const int32_t* abortFlag = nullptr;  // nonzero: stop with ERR_ABORTED
};

// Exact bytes a dense MLP with these layers takes (weights with padded rows, plus biases).
int64_t denseBytes(const std::vector<LayerSpec>& layers);

// Builds the MLP. Throws CodedError ERR_TOO_LARGE (before allocating) when the estimate exceeds
// maxBytes or available memory, ERR_ABORTED when the abort flag is raised.
std::shared_ptr<Mlp> buildMlp(int64_t inputSize, const std::vector<LayerSpec>& layers, const BuildOptions& opt);

}  // namespace cnn2mlp
