// Direct strided 2-D convolution, NHWC, one sample at a time.
//   out[oy][ox][g*coutG + o] = act( bias[g*coutG + o] +
//       Σ_{ky,kx,ci} in[oy*sh - padT + ky*dh][ox*sw - padL + kx*dw][g*cinG + ci] · w[ky][kx][ci][g*coutG + o] )
// Input taps outside [0,inH)×[0,inW) are zero padding. Weights come in two forms:
//   hwio   [kh][kw][cinG][outC] as the model stores them (the reference, depthwise and small-group
//          kernels read it: for one tap and input channel it is contiguous over output channels);
//   packed [g][b][kh][kw][cinG][16]: per group, output channels in blocks of 16 (zero-padded past coutG),
//          so a block's 16 weights for one tap and input channel are one aligned 64-byte vector.
// A "unit" is one (group, 16-channel block) pair, u = g*nbG + b; a call computes output pixels
// [p0, p1) (row-major p = oy*outW + ox) for a range of units (depthwise and small-group kernels:
// all channels, units ignored).
// Pitches: pixel p of a sample starts at p*inPitch (input) and p*outPitch (output).
// Caller guarantees: shapes validated (runtime/plan.cc), buffers sized, bias/biasPacked/zeros never null.
#pragma once
#include <cstdint>

#include "core/plan.h"

namespace cnn2mlp {

constexpr int kConvBlock = 16;

struct ConvDesc {
  int64_t inH, inW, inC, outH, outW, outC;
  int kh, kw, sh, sw, dh, dw, padT, padL;
  int64_t inPitch, outPitch;  // floats between consecutive pixels (inC/outC, or more for dense over a batch)
  int64_t groups, cinG, coutG, nbG;  // nbG = ceil(coutG / 16) blocks per group
  bool depthwise;  // groups == inC == outC (one input and one output channel per group)
  bool smallGroups;  // groups > 1, not depthwise, coutG < 16 and cinG <= 4: the gathering kernel (no 16-lane block waste)
  const float* hwio;
  const float* packed;
  const float* bias;  // [outC], zeros when the model has none
  const float* biasPacked;  // [groups][nbG*16], zero padded; never null
  const float* zeros;  // cinG zeros: what checked tiles read for taps in the padding
  Activation act;
};

// Computes output pixels [p0, p1) of one sample for units [u0, u1). Never allocates or throws.
using ConvRowFn = void (*)(const ConvDesc& d, const float* in, float* out, int64_t p0, int64_t p1, int64_t u0, int64_t u1);

// Repacks HWIO weights into the packed layout (dst: groups*nbG*kh*kw*cinG*16 floats, zeroed by caller).
void packConvWeights(const ConvDesc& d, const float* hwio, float* dst);

// Kernel variants (registered in kernels/registry.cc). The reference computes every variant; the
// three names let each registered SIMD kernel name the reference of its own op.
void f32_dwconv2d_nhwc_1x1__ref(const ConvDesc& d, const float* in, float* out, int64_t p0, int64_t p1, int64_t u0, int64_t u1);
void f32_gconv2d_nhwc_1x1__ref(const ConvDesc& d, const float* in, float* out, int64_t p0, int64_t p1, int64_t u0, int64_t u1);
void f32_conv2d_nhwc_1x1__ref(const ConvDesc& d, const float* in, float* out, int64_t p0, int64_t p1, int64_t u0, int64_t u1);
void f32_conv2d_nhwc_6x64__avx512(const ConvDesc& d, const float* in, float* out, int64_t p0, int64_t p1, int64_t u0, int64_t u1);
void f32_dwconv2d_nhwc_1x64__avx512(const ConvDesc& d, const float* in, float* out, int64_t p0, int64_t p1, int64_t u0, int64_t u1);
void f32_gconv2d_nhwc_1x16__avx512(const ConvDesc& d, const float* in, float* out, int64_t p0, int64_t p1, int64_t u0, int64_t u1);
void f32_gconv2d_nhwc_1x8__avx2(const ConvDesc& d, const float* in, float* out, int64_t p0, int64_t p1, int64_t u0, int64_t u1);
void f32_conv2d_nhwc_6x16__avx2(const ConvDesc& d, const float* in, float* out, int64_t p0, int64_t p1, int64_t u0, int64_t u1);
void f32_dwconv2d_nhwc_1x32__avx2(const ConvDesc& d, const float* in, float* out, int64_t p0, int64_t p1, int64_t u0, int64_t u1);

}  // namespace cnn2mlp
