#include "kernels/cnn_ops.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include "kernels/activation.h"

namespace cnn2mlp {

void poolRow(const PlanOp& p, const float* in, float* out, int64_t oy) {
  const int64_t C = p.inC;
  const bool isMax = p.op == OpMaxPool2d;
  const bool includePad = (p.flags & kFlagCountIncludePad) != 0;
  const int64_t y0 = oy * p.sh - p.padTop;
  for (int64_t ox = 0; ox < p.outW; ox++) {
    const int64_t x0 = ox * p.sw - p.padLeft;
    float* o = out + (oy * p.outW + ox) * C;
    for (int64_t c = 0; c < C; c++) o[c] = isMax ? -std::numeric_limits<float>::infinity() : 0.f;
    int64_t inside = 0, padded = 0;
    for (int ky = 0; ky < p.kh; ky++) {
      const int64_t iy = y0 + int64_t(ky) * p.dh;
      const bool rowPadded = iy >= -p.padTop && iy < p.inH + p.padBottom;
      for (int kx = 0; kx < p.kw; kx++) {
        const int64_t ix = x0 + int64_t(kx) * p.dw;
        if (rowPadded && ix >= -p.padLeft && ix < p.inW + p.padRight) padded++;
        if (iy < 0 || iy >= p.inH || ix < 0 || ix >= p.inW) continue;
        inside++;
        const float* ip = in + (iy * p.inW + ix) * C;
        if (isMax)
          for (int64_t c = 0; c < C; c++) o[c] = std::max(o[c], ip[c]);
        else
          for (int64_t c = 0; c < C; c++) o[c] += ip[c];
      }
    }
    if (isMax) {
      if (inside == 0) std::fill(o, o + C, 0.f);  // a dilated window can miss every real pixel
    } else {
      const int64_t div = includePad ? padded : inside;
      const float inv = div > 0 ? 1.f / float(div) : 0.f;
      for (int64_t c = 0; c < C; c++) o[c] *= inv;
    }
    if (p.act.code != ActSoftmax) applyActivation(p.act, o, C, C);
  }
}

void globalPool(const PlanOp& p, const float* in, float* out) {
  const int64_t C = p.inC, n = p.inH * p.inW;
  const bool isMax = p.op == OpGlobalMaxPool2d;
  if (isMax) {
    std::memcpy(out, in, C * sizeof(float));
    for (int64_t i = 1; i < n; i++)
      for (int64_t c = 0; c < C; c++) out[c] = std::max(out[c], in[i * C + c]);
  } else {
    // Sum in double: the pixel count can be large and the mean should not drift.
    for (int64_t c = 0; c < C; c++) {
      double s = 0;
      for (int64_t i = 0; i < n; i++) s += in[i * C + c];
      out[c] = float(s / double(n));
    }
  }
  if (p.act.code != ActSoftmax) applyActivation(p.act, out, C, C);
}

void batchNorm(const PlanOp& p, const float* scale, const float* shift, const float* in, float* out) {
  const int64_t C = p.inC, n = p.inH * p.inW;
  for (int64_t i = 0; i < n; i++)
    for (int64_t c = 0; c < C; c++) out[i * C + c] = in[i * C + c] * scale[c] + shift[c];
  if (p.act.code != ActSoftmax) applyActivation(p.act, out, n * C, C);
}

void zeroPad(const PlanOp& p, const float* in, float* out) {
  const int64_t C = p.inC;
  std::fill(out, out + p.outSize(), 0.f);
  for (int64_t y = 0; y < p.inH; y++) std::memcpy(out + ((y + p.padTop) * p.outW + p.padLeft) * C, in + y * p.inW * C, p.inW * C * sizeof(float));
  if (p.act.code != ActSoftmax) applyActivation(p.act, out, p.outSize(), C);
}

void prelu(const PlanOp& p, const float* alpha, const float* in, float* out) {
  const int64_t C = p.inC, n = p.inH * p.inW;
  for (int64_t i = 0; i < n; i++)
    for (int64_t c = 0; c < C; c++) {
      const float v = in[i * C + c];
      out[i * C + c] = v >= 0.f ? v : alpha[c] * v;
    }
  if (p.act.code != ActSoftmax) applyActivation(p.act, out, n * C, C);
}

void activationOp(const PlanOp& p, const float* in, float* out) {
  std::memcpy(out, in, p.inSize() * sizeof(float));
  if (p.act.code != ActSoftmax) applyActivation(p.act, out, p.inSize(), p.inC);
}

void flatten(const PlanOp& p, const float* in, float* out) {
  if (p.flags & kFlagFlattenChw)
    hwcToChw(p.inH, p.inW, p.inC, in, out);
  else
    std::memcpy(out, in, p.inSize() * sizeof(float));
}

void chwToHwc(int64_t h, int64_t w, int64_t c, const float* in, float* out) {
  const int64_t hw = h * w;
  for (int64_t i = 0; i < hw; i++)
    for (int64_t k = 0; k < c; k++) out[i * c + k] = in[k * hw + i];
}

void hwcToChw(int64_t h, int64_t w, int64_t c, const float* in, float* out) {
  const int64_t hw = h * w;
  for (int64_t k = 0; k < c; k++)
    for (int64_t i = 0; i < hw; i++) out[k * hw + i] = in[i * c + k];
}

}  // namespace cnn2mlp
