// The CNN's non-convolution ops on one sample, NHWC (h, w, c) with c contiguous. Scalar loops over
// the contiguous channel axis (the compiler vectorises them); all are memory-bound next to the
// convolutions. Each applies the op's activation in its epilogue (softmax excepted: the runtime
// applies it over the finished channel axis). Callers pass validated PlanOps and sized buffers.
#pragma once
#include <cstdint>

#include "core/plan.h"

namespace cnn2mlp {

// Max/avg pooling, output row oy. Max ignores padding; avg divides by the taps inside the input,
// or with kFlagCountIncludePad by the taps inside [-padTop, inH+padBottom) × [-padLeft, inW+padRight)
// (ceil-mode windows that overhang the trailing pad count only up to its end, as ONNX does).
void poolRow(const PlanOp& p, const float* in, float* out, int64_t oy);
void globalPool(const PlanOp& p, const float* in, float* out);
// y[c] = act(x[c]·scale[c] + shift[c]) over n pixels of C channels.
void batchNorm(const PlanOp& p, const float* scale, const float* shift, const float* in, float* out);
void zeroPad(const PlanOp& p, const float* in, float* out);
void prelu(const PlanOp& p, const float* alpha, const float* in, float* out);
void activationOp(const PlanOp& p, const float* in, float* out);
// (h, w, c) → flat vector, in hwc order or (kFlagFlattenChw) chw order.
void flatten(const PlanOp& p, const float* in, float* out);
// Layout transposes for NCHW models: chw → hwc and back.
void chwToHwc(int64_t h, int64_t w, int64_t c, const float* in, float* out);
void hwcToChw(int64_t h, int64_t w, int64_t c, const float* in, float* out);

}  // namespace cnn2mlp
