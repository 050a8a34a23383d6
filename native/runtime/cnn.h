// A compiled CNN: the plan's ops in schedule order, re-validated, with their weights copied into
// native memory (conv weights also repacked once into 16-channel blocks for the SIMD kernels).
// Tensors are "values": 0 is the model input, k + 1 the output of op k. Each run allocates one
// arena of arenaFloats per sample and keeps every value at its planned offset there (the plan
// shares bytes between values whose lifetimes do not overlap; buildCnn re-checks that). Immutable
// after buildCnn, so any number of runs may use one Cnn at once; each run owns its arena.
#pragma once
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "kernels/cnn_ops.h"
#include "kernels/conv2d.h"
#include "runtime/memory.h"
#include "runtime/plan.h"

namespace cnn2mlp {

struct CnnOp {
  PlanOp p;
  ConvDesc conv{};  // conv2d and dense (dense = 1×1 conv over a 1 × batch "image")
  const float* weights = nullptr;  // batchNorm scale, prelu alpha (native copies)
  const float* bias = nullptr;  // batchNorm shift, conv2dTranspose bias
  std::vector<int64_t> inputs;  // value ids read, in order
  std::vector<int64_t> inputChannels;  // concat: channels of each input
  int64_t multiplierSize = 0;  // multiply: values in input 1 (outSize, outC or 1)
  UpsampleAxis ys, xs;  // upsample2d taps
};

struct Cnn {
  std::vector<CnnOp> ops;
  std::vector<std::shared_ptr<Buffer>> storage;
  bool nchw = false;
  int64_t inputSize = 0, outputSize = 0;
  std::vector<int64_t> valueOffset;  // per value: offset in the arena, -1 for the caller's input (value 0, NHWC) or output (last, NHWC)
  int64_t arenaFloats = 0;  // one sample's arena
  int64_t bytes = 0;
  int64_t workPerSample = 0;  // multiply-adds of one sample (convolutions and dense) plus one per value read or written by other ops
  // Scratch buffers of finished runs, reused by later ones (fresh multi-MB allocations cost a page
  // fault per 4 KiB on every run). A run takes one or makes one, so concurrent runs never share.
  mutable std::mutex scratchMu;
  mutable std::vector<std::pair<size_t, std::unique_ptr<float[]>>> scratch;
};

struct TensorView {
  const float* data;
  int64_t length;
};

// Validates the records (readPlanOp per op; every input an earlier value of the shape the op
// expects; arena offsets in range and never shared by two values alive at once; tensor sizes;
// finite weights) and copies the tensors. edges: numEdges value ids the records' inputsAt point
// into; inputOffset: the arena offset of an NCHW model's transposed input (-1 for NHWC).
// Throws CodedError("ERR_INVALID_MODEL", "op i (layer L): …") when invalid.
std::shared_ptr<Cnn> buildCnn(const double* records, int64_t numOps, const std::vector<TensorView>& tensors, const double* edges, int64_t numEdges, bool nchw,
                              int64_t inputSize, int64_t outputSize, int64_t inputOffset);

// Runs `batch` samples (keeps up to two arenas of batch × arenaFloats floats for reuse): in is batch × inputSize, out batch × outputSize, both in the model's
// layout. Uses the kernels of activeIsa() at call time. May throw std::bad_alloc for the arena.
void runCnn(const Cnn& cnn, const float* in, int64_t batch, int threads, float* out);

}  // namespace cnn2mlp
