// The register-tiled direct convolution shared by the SIMD kernel files; each includes this after
// defining a vector trait V (lanes L, load/bcast/fma/partial store) for its ISA. Formula and
// weight layouts: conv2d.h. Not a standalone header: it must be compiled with the ISA's flags.
//
// General conv tile: RW consecutive output pixels of one row × NB 16-channel blocks of one group,
// RW·NB·(16/L) accumulators. Per (tap, input channel): NB·16/L weight vector loads, RW broadcasts
// of the input, RW·NB·16/L FMAs. Interior pixels (every tap column inside the input) run the
// unchecked tile; border pixels run a one-pixel tile that skips taps in the padding. Rows in the
// padding are skipped for the whole tile (the row is shared). Channel tails are masked stores
// (packed weights and biases are zero past coutG).
//
// Depthwise tile (groups == inC == outC): one output pixel × up to 4 vectors of channels,
// vectorised over channels (no reduction axis to vectorise), HWIO weights read directly.
#include <algorithm>

#include "kernels/activation.h"
#include "kernels/conv2d.h"

namespace cnn2mlp {
namespace CONV_NS {

using R = V::R;

inline bool vectorAct(int code) { return code == ActLinear || code == ActRelu || code == ActLeakyRelu || code == ActClip; }

inline R actV(const Activation& a, R v) {
  switch (a.code) {
    case ActRelu: return V::max(v, V::zero());
    case ActLeakyRelu: return V::add(V::max(v, V::zero()), V::mul(V::set1(a.alpha), V::min(v, V::zero())));
    case ActClip: return V::min(V::max(v, V::set1(a.min)), V::set1(a.max));
    default: return v;
  }
}

// Stores v (n valid lanes) and applies the activation: vectorised when it can be, else per lane
// (softmax is left to the caller: it spans the whole channel axis).
inline void storeAct(const Activation& a, float* p, R v, int n) {
  const bool vec = vectorAct(a.code);
  if (vec) v = actV(a, v);
  if (n >= V::L)
    V::storeu(p, v);
  else
    V::storePartial(p, v, n);
  if (!vec && a.code != ActSoftmax)
    for (int i = 0; i < n; i++) p[i] = activate1(a, p[i]);
}

template <int RW, int NB, bool CHECKED>
inline void tile(const ConvDesc& d, const float* in, float* out, int64_t oy, int64_t ox0, int64_t g, int64_t b0) {
  constexpr int VPB = kConvBlock / V::L;
  constexpr int NV = NB * VPB;
  R acc[RW][NV];
  for (int r = 0; r < RW; r++)
    for (int j = 0; j < NV; j++) acc[r][j] = V::zero();
  const int64_t cinG = d.cinG;
  const int64_t blockStride = int64_t(d.kh) * d.kw * cinG * kConvBlock;
  const float* wg = d.packed + (g * d.nbG + b0) * blockStride;
  const float* inG = in + g * cinG;
  const int64_t pixStride = int64_t(d.sw) * d.inPitch;
  for (int ky = 0; ky < d.kh; ky++) {
    const int64_t iy = oy * d.sh - d.padT + int64_t(ky) * d.dh;
    if (iy < 0 || iy >= d.inH) continue;
    for (int kx = 0; kx < d.kw; kx++) {
      const int64_t ix0 = ox0 * d.sw - d.padL + int64_t(kx) * d.dw;
      if (CHECKED && (ix0 < 0 || ix0 >= d.inW)) continue;
      const float* ip = inG + (iy * d.inW + ix0) * d.inPitch;
      const float* wp = wg + (int64_t(ky) * d.kw + kx) * cinG * kConvBlock;
      for (int64_t ci = 0; ci < cinG; ci++) {
        R w[NV];
        for (int j = 0; j < NV; j++) w[j] = V::load(wp + (j / VPB) * blockStride + ci * kConvBlock + (j % VPB) * V::L);
        for (int r = 0; r < RW; r++) {
          const R a = V::bcast(ip[r * pixStride + ci]);
          for (int j = 0; j < NV; j++) acc[r][j] = V::fma(a, w[j], acc[r][j]);
        }
      }
    }
  }
  const float* bias = d.biasPacked + (g * d.nbG + b0) * kConvBlock;
  for (int j = 0; j < NV; j++) {
    const int64_t o = b0 * kConvBlock + j * V::L;  // first channel of vector j within the group
    const int n = int(std::min<int64_t>(V::L, d.coutG - o));
    if (n <= 0) break;
    const R bv = V::load(bias + j * V::L);
    for (int r = 0; r < RW; r++) storeAct(d.act, out + (oy * d.outW + ox0 + r) * d.outPitch + g * d.coutG + o, V::add(acc[r][j], bv), n);
  }
}

template <int RWN, int NB>
inline void remainder(int r, const ConvDesc& d, const float* in, float* out, int64_t oy, int64_t ox, int64_t g, int64_t b0) {
  if constexpr (RWN > 0) {
    if (r == RWN)
      tile<RWN, NB, false>(d, in, out, oy, ox, g, b0);
    else
      remainder<RWN - 1, NB>(r, d, in, out, oy, ox, g, b0);
  }
}

template <int NB>
inline void rowBlocks(const ConvDesc& d, const float* in, float* out, int64_t oy, int64_t g, int64_t b0, int64_t oxLo, int64_t oxHi) {
  constexpr int RW = RwFor(NB);
  for (int64_t ox = 0; ox < oxLo; ox++) tile<1, NB, true>(d, in, out, oy, ox, g, b0);
  int64_t ox = oxLo;
  for (; ox + RW <= oxHi; ox += RW) tile<RW, NB, false>(d, in, out, oy, ox, g, b0);
  remainder<RW - 1, NB>(int(oxHi - ox), d, in, out, oy, ox, g, b0);
  for (int64_t x = oxHi; x < d.outW; x++) tile<1, NB, true>(d, in, out, oy, x, g, b0);
}

inline void convRow(const ConvDesc& d, const float* in, float* out, int64_t oy, int64_t u0, int64_t u1) {
  // Interior columns: ox*sw - padL >= 0 and ox*sw - padL + (kw-1)*dw <= inW - 1.
  const int64_t oxLo = std::min<int64_t>(d.outW, (d.padL + d.sw - 1) / d.sw);
  const int64_t num = d.inW - 1 - int64_t(d.kw - 1) * d.dw + d.padL;
  int64_t oxHi = num < 0 ? 0 : std::min<int64_t>(d.outW, num / d.sw + 1);
  if (oxHi < oxLo) oxHi = oxLo;
  for (int64_t u = u0; u < u1;) {
    const int64_t g = u / d.nbG, b = u % d.nbG;
    const int nb = int(std::min<int64_t>({int64_t(kMaxNb), d.nbG - b, u1 - u}));
    switch (nb) {
      case 1: rowBlocks<1>(d, in, out, oy, g, b, oxLo, oxHi); break;
      case 2: if constexpr (kMaxNb >= 2) rowBlocks<2>(d, in, out, oy, g, b, oxLo, oxHi); break;
      case 3: if constexpr (kMaxNb >= 3) rowBlocks<3>(d, in, out, oy, g, b, oxLo, oxHi); break;
      default: if constexpr (kMaxNb >= 4) rowBlocks<4>(d, in, out, oy, g, b, oxLo, oxHi); break;
    }
    u += nb;
  }
}

constexpr int kDwVecs = 4;

inline void dwRow(const ConvDesc& d, const float* in, float* out, int64_t oy, int64_t, int64_t) {
  const int64_t C = d.outC;
  int kyLo = 0, kyHi = d.kh;
  while (kyLo < kyHi && oy * d.sh - d.padT + int64_t(kyLo) * d.dh < 0) kyLo++;
  while (kyHi > kyLo && oy * d.sh - d.padT + int64_t(kyHi - 1) * d.dh >= d.inH) kyHi--;
  for (int64_t ox = 0; ox < d.outW; ox++) {
    int kxLo = 0, kxHi = d.kw;
    while (kxLo < kxHi && ox * d.sw - d.padL + int64_t(kxLo) * d.dw < 0) kxLo++;
    while (kxHi > kxLo && ox * d.sw - d.padL + int64_t(kxHi - 1) * d.dw >= d.inW) kxHi--;
    float* op = out + (oy * d.outW + ox) * C;
    for (int64_t c0 = 0; c0 < C; c0 += kDwVecs * V::L) {
      const int64_t left = C - c0;
      if (left >= kDwVecs * V::L) {
        R acc[kDwVecs];
        for (int j = 0; j < kDwVecs; j++) acc[j] = V::loadu(d.bias + c0 + j * V::L);
        for (int ky = kyLo; ky < kyHi; ky++) {
          const int64_t iy = oy * d.sh - d.padT + int64_t(ky) * d.dh;
          for (int kx = kxLo; kx < kxHi; kx++) {
            const int64_t ix = ox * d.sw - d.padL + int64_t(kx) * d.dw;
            const float* ip = in + (iy * d.inW + ix) * C + c0;
            const float* wp = d.hwio + (int64_t(ky) * d.kw + kx) * C + c0;
            for (int j = 0; j < kDwVecs; j++) acc[j] = V::fma(V::loadu(ip + j * V::L), V::loadu(wp + j * V::L), acc[j]);
          }
        }
        for (int j = 0; j < kDwVecs; j++) storeAct(d.act, op + c0 + j * V::L, acc[j], V::L);
      } else {
        for (int64_t c = c0; c < C; c += V::L) {
          const int n = int(std::min<int64_t>(V::L, C - c));
          R acc = V::loadPartial(d.bias + c, n);
          for (int ky = kyLo; ky < kyHi; ky++) {
            const int64_t iy = oy * d.sh - d.padT + int64_t(ky) * d.dh;
            for (int kx = kxLo; kx < kxHi; kx++) {
              const int64_t ix = ox * d.sw - d.padL + int64_t(kx) * d.dw;
              acc = V::fma(V::loadPartial(in + (iy * d.inW + ix) * C + c, n), V::loadPartial(d.hwio + (int64_t(ky) * d.kw + kx) * C + c, n), acc);
            }
          }
          storeAct(d.act, op + c, acc, n);
        }
      }
    }
  }
}

}  // namespace CONV_NS
}  // namespace cnn2mlp
