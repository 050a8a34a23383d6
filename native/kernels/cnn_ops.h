// The CNN's non-convolution ops on one sample, NHWC (h, w, c) with c contiguous. Scalar loops over
// the contiguous channel axis (the compiler vectorises them); all are memory-bound next to the
// convolutions. Each applies the op's activation in its epilogue (softmax excepted: the runtime
// applies it over the finished channel axis). Callers pass validated PlanOps and sized buffers.
#pragma once
#include <cstdint>
#include <vector>

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
// Graph ops, output rows [y0, y1) of one sample (so a single sample can still be split over threads).
// y = act(Σ ins[k]) over p.numInputs inputs of the output's shape.
void addRows(const PlanOp& p, const float* const* ins, float* out, int64_t y0, int64_t y1);
// y = a · b: b holds bSize values, the output's size (elementwise), outC (per channel) or 1 (per sample).
void multiplyRows(const PlanOp& p, const float* a, const float* b, int64_t bSize, float* out, int64_t y0, int64_t y1);
// Channels of ins[k] (channels[k] each) side by side, in order.
void concatRows(const PlanOp& p, const float* const* ins, const int64_t* channels, float* out, int64_t y0, int64_t y1);
void cropRows(const PlanOp& p, const float* in, float* out, int64_t y0, int64_t y1);

// Source taps of upsampling along one axis, per output index: index i0 (nearest) or i0, i1 with weight
// w on i1 (bilinear), from the coordinate and rounding modes (see buildUpsampleAxis).
struct UpsampleAxis {
  std::vector<int64_t> i0, i1;
  std::vector<float> w;
};
UpsampleAxis buildUpsampleAxis(int64_t in, int64_t factor, bool bilinear, int coordinateMode, int nearestMode);
void upsampleRows(const PlanOp& p, const UpsampleAxis& ys, const UpsampleAxis& xs, const float* in, float* out, int64_t y0, int64_t y1);

// Transposed convolution, gathered per output pixel:
//   out[oy][ox][g·coutG + o] = act(bias[g·coutG + o] + Σ in[iy][ix][g·cinG + ci] · w[ky][kx][g·cinG + ci][o])
// over iy·sh = oy + padTop − ky·dh and ix·sw = ox + padLeft − kx·dw with iy, ix inside the input.
// w is the model's [kh][kw][coutG][inC] repacked once to [kh][kw][inC][coutG] (repackTransposeWeights).
void repackTransposeWeights(const PlanOp& p, const float* khkwCoutInC, float* out);
void convTransposeRows(const PlanOp& p, const float* w, const float* bias, const float* in, float* out, int64_t y0, int64_t y1);

// The fused residual add of a conv: out = act(out + res) over pixels [p0, p1), channels [c0, c1)
// (out and res pixel pitches: outC).
void residualEpilogue(const PlanOp& p, const float* res, float* out, int64_t p0, int64_t p1, int64_t c0, int64_t c1);

// Layout transposes for NCHW models: chw → hwc and back.
void chwToHwc(int64_t h, int64_t w, int64_t c, const float* in, float* out);
void hwcToChw(int64_t h, int64_t w, int64_t c, const float* in, float* out);

}  // namespace cnn2mlp
