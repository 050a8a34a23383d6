// The ops a graph adds to a chain: sums, products, channel concatenation, cropping, upsampling and
// the residual epilogue of a conv. NHWC, one sample, output rows [y0, y1); scalar loops over the
// contiguous channel axis (the compiler vectorises them). Each applies the op's activation
// (softmax excepted: the runtime applies it over the finished output).
#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels/activation.h"
#include "kernels/cnn_ops.h"

namespace cnn2mlp {
namespace {

void finish(const PlanOp& p, float* o, int64_t n) {
  if (p.act.code != ActSoftmax) applyActivation(p.act, o, n, p.outC);
}

}  // namespace

void addRows(const PlanOp& p, const float* const* ins, float* out, int64_t y0, int64_t y1) {
  const int64_t row = p.outW * p.outC, b = y0 * row, n = (y1 - y0) * row;
  float* o = out + b;
  const float* a0 = ins[0] + b;
  const float* a1 = ins[1] + b;
  for (int64_t i = 0; i < n; i++) o[i] = a0[i] + a1[i];
  for (int k = 2; k < p.numInputs; k++) {
    const float* a = ins[k] + b;
    for (int64_t i = 0; i < n; i++) o[i] += a[i];
  }
  finish(p, o, n);
}

void multiplyRows(const PlanOp& p, const float* a, const float* b, int64_t bSize, float* out, int64_t y0, int64_t y1) {
  const int64_t C = p.outC, row = p.outW * C, n = (y1 - y0) * row;
  const float* x = a + y0 * row;
  float* o = out + y0 * row;
  if (bSize == p.outSize()) {
    const float* y = b + y0 * row;
    for (int64_t i = 0; i < n; i++) o[i] = x[i] * y[i];
  } else if (bSize == C) {
    for (int64_t i = 0; i < n; i += C)
      for (int64_t c = 0; c < C; c++) o[i + c] = x[i + c] * b[c];
  } else {
    const float s = b[0];
    for (int64_t i = 0; i < n; i++) o[i] = x[i] * s;
  }
  finish(p, o, n);
}

void concatRows(const PlanOp& p, const float* const* ins, const int64_t* channels, float* out, int64_t y0, int64_t y1) {
  for (int64_t px = y0 * p.outW; px < y1 * p.outW; px++) {
    float* o = out + px * p.outC;
    for (int k = 0; k < p.numInputs; k++) {
      std::memcpy(o, ins[k] + px * channels[k], size_t(channels[k]) * sizeof(float));
      o += channels[k];
    }
  }
  finish(p, out + y0 * p.outW * p.outC, (y1 - y0) * p.outW * p.outC);
}

void cropRows(const PlanOp& p, const float* in, float* out, int64_t y0, int64_t y1) {
  const int64_t C = p.inC;
  for (int64_t y = y0; y < y1; y++) std::memcpy(out + y * p.outW * C, in + ((y + p.padTop) * p.inW + p.padLeft) * C, size_t(p.outW * C) * sizeof(float));
  finish(p, out + y0 * p.outW * C, (y1 - y0) * p.outW * C);
}

// Source coordinate of output index x (ONNX Resize's coordinate_transformation_mode), in double.
UpsampleAxis buildUpsampleAxis(int64_t in, int64_t factor, bool bilinear, int coordinateMode, int nearestMode) {
  const int64_t out = in * factor;
  UpsampleAxis a;
  a.i0.resize(size_t(out)), a.i1.resize(size_t(out)), a.w.resize(size_t(out));
  const auto clamp = [in](double i) { return int64_t(std::min<double>(std::max<double>(i, 0.0), double(in - 1))); };
  for (int64_t x = 0; x < out; x++) {
    double s;
    switch (coordinateMode) {
      case CoordHalfPixel: s = (double(x) + 0.5) / double(factor) - 0.5; break;
      case CoordPytorchHalfPixel: s = out > 1 ? (double(x) + 0.5) / double(factor) - 0.5 : 0.0; break;
      case CoordAlignCorners: s = out > 1 ? double(x) * double(in - 1) / double(out - 1) : 0.0; break;
      default: s = double(x) / double(factor);
    }
    if (bilinear) {
      const double f = std::floor(s);
      a.i0[size_t(x)] = clamp(f);
      a.i1[size_t(x)] = clamp(f + 1);
      a.w[size_t(x)] = float(s - f);
      continue;
    }
    double r;
    const double f = std::floor(s);
    const bool half = s - f == 0.5;
    switch (nearestMode) {
      case NearestCeil: r = std::ceil(s); break;
      case NearestRoundPreferFloor: r = half ? f : std::round(s); break;
      case NearestRoundPreferCeil: r = half ? f + 1 : std::round(s); break;
      default: r = f;
    }
    a.i0[size_t(x)] = a.i1[size_t(x)] = clamp(r);
    a.w[size_t(x)] = 0.f;
  }
  return a;
}

void upsampleRows(const PlanOp& p, const UpsampleAxis& ys, const UpsampleAxis& xs, const float* in, float* out, int64_t y0, int64_t y1) {
  const int64_t C = p.inC;
  const bool bilinear = (p.flags & kFlagBilinear) != 0;
  for (int64_t y = y0; y < y1; y++) {
    const float* r0 = in + ys.i0[size_t(y)] * p.inW * C;
    const float* r1 = in + ys.i1[size_t(y)] * p.inW * C;
    const float wy = ys.w[size_t(y)];
    for (int64_t x = 0; x < p.outW; x++) {
      float* o = out + (y * p.outW + x) * C;
      const int64_t a = xs.i0[size_t(x)] * C, b = xs.i1[size_t(x)] * C;
      if (!bilinear) {
        std::memcpy(o, r0 + a, size_t(C) * sizeof(float));
        continue;
      }
      const float wx = xs.w[size_t(x)];
      for (int64_t c = 0; c < C; c++) {
        const float top = r0[a + c] + wx * (r0[b + c] - r0[a + c]);
        const float bottom = r1[a + c] + wx * (r1[b + c] - r1[a + c]);
        o[c] = top + wy * (bottom - top);
      }
    }
  }
  finish(p, out + y0 * p.outW * C, (y1 - y0) * p.outW * C);
}

void residualEpilogue(const PlanOp& p, const float* res, float* out, int64_t p0, int64_t p1, int64_t c0, int64_t c1) {
  const int64_t C = p.outC;
  for (int64_t px = p0; px < p1; px++) {
    float* o = out + px * C + c0;
    const float* r = res + px * C + c0;
    for (int64_t c = 0; c < c1 - c0; c++) o[c] += r[c];
    if (p.act.code != ActSoftmax) applyActivation(p.act, o, c1 - c0, c1 - c0);
  }
}

}  // namespace cnn2mlp
