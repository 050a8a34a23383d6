// A compiled CNN: the plan's ops, re-validated, with their weights copied into native memory
// (conv weights also repacked once into 16-channel blocks for the SIMD kernels). Immutable after
// buildCnn, so any number of runs may use one Cnn at once; each run owns its scratch buffers.
#pragma once
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "kernels/conv2d.h"
#include "runtime/memory.h"
#include "runtime/plan.h"

namespace cnn2mlp {

struct CnnOp {
  PlanOp p;
  ConvDesc conv{};  // conv2d and dense (dense = 1×1 conv over a 1 × batch "image")
  const float* weights = nullptr;  // batchNorm scale, prelu alpha (native copies)
  const float* bias = nullptr;  // batchNorm shift
};

struct Cnn {
  std::vector<CnnOp> ops;
  std::vector<std::shared_ptr<Buffer>> storage;
  bool nchw = false;
  int64_t inputSize = 0, outputSize = 0;
  int64_t maxSize = 0;  // largest tensor of one sample, in floats
  int64_t bytes = 0;
  // Scratch buffers of finished runs, reused by later ones (fresh multi-MB allocations cost a page
  // fault per 4 KiB on every run). A run takes one or makes one, so concurrent runs never share.
  mutable std::mutex scratchMu;
  mutable std::vector<std::pair<size_t, std::unique_ptr<float[]>>> scratch;
};

struct TensorView {
  const float* data;
  int64_t length;
};

// Validates the records (readPlanOp per op, shapes chained op to op, tensor sizes, finite weights)
// and copies the tensors. Throws CodedError("ERR_INVALID_MODEL", "op i (layer L): …") when invalid.
std::shared_ptr<Cnn> buildCnn(const double* records, int64_t numOps, const std::vector<TensorView>& tensors, bool nchw, int64_t inputSize, int64_t outputSize);

// Runs `batch` samples (keeps up to two scratch buffers of 2 × batch × maxSize floats for reuse): in is batch × inputSize, out batch × outputSize, both in the model's
// layout. Uses the kernels of activeIsa() at call time. May throw std::bad_alloc for scratch.
void runCnn(const Cnn& cnn, const float* in, int64_t batch, int threads, float* out);

}  // namespace cnn2mlp
