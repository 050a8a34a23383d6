// Naive direct convolution: the oracle (formula and layouts in conv2d.h). Reads the HWIO weights,
// accumulates each output in double (so it is at least as accurate as any kernel it checks), then
// bias and activation. Also home of the weight repacking.
#include <algorithm>

#include "kernels/activation.h"
#include "kernels/conv2d.h"

namespace cnn2mlp {

void f32_conv2d_nhwc_1x1__ref(const ConvDesc& d, const float* in, float* out, int64_t p0, int64_t p1, int64_t u0, int64_t u1) {
  // Output channels covered: units map to 16-blocks within a group; depthwise calls cover all.
  auto one = [&](int64_t g, int64_t o) {
    const int64_t oc = g * d.coutG + o;
    for (int64_t p = p0; p < p1; p++) {
      const int64_t oy = p / d.outW, ox = p - oy * d.outW;
      double acc = d.bias ? d.bias[oc] : 0.0;
      for (int ky = 0; ky < d.kh; ky++) {
        const int64_t iy = oy * d.sh - d.padT + int64_t(ky) * d.dh;
        if (iy < 0 || iy >= d.inH) continue;
        for (int kx = 0; kx < d.kw; kx++) {
          const int64_t ix = ox * d.sw - d.padL + int64_t(kx) * d.dw;
          if (ix < 0 || ix >= d.inW) continue;
          const float* ip = in + (iy * d.inW + ix) * d.inPitch + g * d.cinG;
          const float* wp = d.hwio + ((int64_t(ky) * d.kw + kx) * d.cinG) * d.outC + oc;
          for (int64_t ci = 0; ci < d.cinG; ci++) acc += double(ip[ci]) * double(wp[ci * d.outC]);
        }
      }
      float v = float(acc);
      out[p * d.outPitch + oc] = d.act.code == ActSoftmax ? v : activate1(d.act, v);
    }
  };
  if (d.depthwise || d.smallGroups) {
    for (int64_t c = 0; c < d.outC; c++) one(c / d.coutG, c % d.coutG);
    return;
  }
  for (int64_t u = u0; u < u1; u++) {
    const int64_t g = u / d.nbG, b = u % d.nbG;
    for (int64_t o = b * kConvBlock; o < std::min<int64_t>((b + 1) * kConvBlock, d.coutG); o++) one(g, o);
  }
}

void packConvWeights(const ConvDesc& d, const float* hwio, float* dst) {
  const int64_t taps = int64_t(d.kh) * d.kw;
  for (int64_t g = 0; g < d.groups; g++)
    for (int64_t o = 0; o < d.coutG; o++) {
      const int64_t b = o / kConvBlock, lane = o % kConvBlock;
      float* blk = dst + (g * d.nbG + b) * taps * d.cinG * kConvBlock;
      for (int64_t t = 0; t < taps; t++)
        for (int64_t ci = 0; ci < d.cinG; ci++) blk[(t * d.cinG + ci) * kConvBlock + lane] = hwio[(t * d.cinG + ci) * d.outC + g * d.coutG + o];
    }
}

void f32_dwconv2d_nhwc_1x1__ref(const ConvDesc& d, const float* in, float* out, int64_t p0, int64_t p1, int64_t u0, int64_t u1) {
  f32_conv2d_nhwc_1x1__ref(d, in, out, p0, p1, u0, u1);
}

void f32_gconv2d_nhwc_1x1__ref(const ConvDesc& d, const float* in, float* out, int64_t p0, int64_t p1, int64_t u0, int64_t u1) {
  f32_conv2d_nhwc_1x1__ref(d, in, out, p0, p1, u0, u1);
}

}  // namespace cnn2mlp
