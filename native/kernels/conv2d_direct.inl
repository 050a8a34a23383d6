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

// Accumulates n consecutive reduction steps: input ip[r][k] (per pixel r) times the weight
// vectors at wp + k·16 (+ block offsets). U independent partial sums per accumulator hide the FMA
// latency when the tile has few accumulators (GEMV-like dense layers, one-pixel tiles).
template <int RW, int NV, int U>
inline void accumulate(R (&acc)[U][RW][NV], const float* const (&ip)[RW], const float* wp, int64_t n, int64_t blockStride) {
  constexpr int VPB = kConvBlock / V::L;
  int64_t k = 0;
  for (; k + U <= n; k += U)
    for (int u = 0; u < U; u++) {
      R w[NV];
      for (int j = 0; j < NV; j++) w[j] = V::load(wp + (j / VPB) * blockStride + (k + u) * kConvBlock + (j % VPB) * V::L);
      for (int r = 0; r < RW; r++) {
        const R a = V::bcast(ip[r][k + u]);
        for (int j = 0; j < NV; j++) acc[u][r][j] = V::fma(a, w[j], acc[u][r][j]);
      }
    }
  for (; k < n; k++) {
    R w[NV];
    for (int j = 0; j < NV; j++) w[j] = V::load(wp + (j / VPB) * blockStride + k * kConvBlock + (j % VPB) * V::L);
    for (int r = 0; r < RW; r++) {
      const R a = V::bcast(ip[r][k]);
      for (int j = 0; j < NV; j++) acc[0][r][j] = V::fma(a, w[j], acc[0][r][j]);
    }
  }
}

// RW output pixels (ox0 … ox0+RW-1 of row oy) × NB blocks (b0 …) of group g. CHECKED tiles may hold
// pixels whose taps fall in the padding: those taps read d.zeros instead.
template <int RW, int NB, bool CHECKED>
inline void tile(const ConvDesc& d, const float* in, float* out, int64_t oy, int64_t ox0, int64_t g, int64_t b0) {
  constexpr int VPB = kConvBlock / V::L;
  constexpr int NV = NB * VPB;
  constexpr int U = RW * NV >= 8 ? 1 : (8 + RW * NV - 1) / (RW * NV);
  R acc[U][RW][NV];
  for (int u = 0; u < U; u++)
    for (int r = 0; r < RW; r++)
      for (int j = 0; j < NV; j++) acc[u][r][j] = V::zero();
  const int64_t cinG = d.cinG;
  const int64_t blockStride = int64_t(d.kh) * d.kw * cinG * kConvBlock;
  const float* wg = d.packed + (g * d.nbG + b0) * blockStride;
  // Interior tiles with unit column dilation and one group read (kx, ci) as one contiguous run in
  // both the input and the packed weights: one long reduction loop per kernel row.
  const bool merge = !CHECKED && d.dw == 1 && cinG == d.inC && (d.kw == 1 || d.inPitch == d.inC);
  for (int ky = 0; ky < d.kh; ky++) {
    const int64_t iy = oy * d.sh - d.padT + int64_t(ky) * d.dh;
    if (iy < 0 || iy >= d.inH) continue;
    const float* row = in + iy * d.inW * d.inPitch + g * cinG;
    const float* wy = wg + int64_t(ky) * d.kw * cinG * kConvBlock;
    if (merge) {
      const float* ip[RW];
      for (int r = 0; r < RW; r++) ip[r] = row + ((ox0 + r) * d.sw - d.padL) * d.inPitch;
      accumulate<RW, NV, U>(acc, ip, wy, d.kw * cinG, blockStride);
      continue;
    }
    for (int kx = 0; kx < d.kw; kx++) {
      const float* ip[RW];
      bool any = !CHECKED;
      for (int r = 0; r < RW; r++) {
        const int64_t ix = (ox0 + r) * d.sw - d.padL + int64_t(kx) * d.dw;
        if (CHECKED && (ix < 0 || ix >= d.inW)) {
          ip[r] = d.zeros;
        } else {
          ip[r] = row + ix * d.inPitch;
          any = true;
        }
      }
      if (any) accumulate<RW, NV, U>(acc, ip, wy + int64_t(kx) * cinG * kConvBlock, cinG, blockStride);
    }
  }
  for (int u = 1; u < U; u++)
    for (int r = 0; r < RW; r++)
      for (int j = 0; j < NV; j++) acc[0][r][j] = V::add(acc[0][r][j], acc[u][r][j]);
  const float* bias = d.biasPacked + (g * d.nbG + b0) * kConvBlock;
  for (int j = 0; j < NV; j++) {
    const int64_t o = b0 * kConvBlock + j * V::L;  // first channel of vector j within the group
    const int n = int(std::min<int64_t>(V::L, d.coutG - o));
    if (n <= 0) break;
    const R bv = V::load(bias + j * V::L);
    for (int r = 0; r < RW; r++) storeAct(d.act, out + (oy * d.outW + ox0 + r) * d.outPitch + g * d.coutG + o, V::add(acc[0][r][j], bv), n);
  }
}

template <int RWN, int NB, bool CHECKED>
inline void tileOf(int w, const ConvDesc& d, const float* in, float* out, int64_t oy, int64_t ox, int64_t g, int64_t b0) {
  if constexpr (RWN > 0) {
    if (w == RWN)
      tile<RWN, NB, CHECKED>(d, in, out, oy, ox, g, b0);
    else
      tileOf<RWN - 1, NB, CHECKED>(w, d, in, out, oy, ox, g, b0);
  }
}

// Output columns [a, b) in tiles of at most RW pixels, split evenly (19 → 5,5,5,4 rather than
// 6,6,6,1: a narrow tile costs nearly the weight traffic of a wide one).
template <int NB, bool CHECKED>
inline void columns(const ConvDesc& d, const float* in, float* out, int64_t oy, int64_t g, int64_t b0, int64_t a, int64_t b) {
  constexpr int RW = RwFor(NB);
  const int64_t n = b - a;
  if (n <= 0) return;
  const int64_t tiles = (n + RW - 1) / RW, base = n / tiles, extra = n % tiles;
  int64_t ox = a;
  for (int64_t t = 0; t < tiles; t++) {
    const int w = int(base + (t < extra ? 1 : 0));
    tileOf<RW, NB, CHECKED>(w, d, in, out, oy, ox, g, b0);
    ox += w;
  }
}

template <int NB>
inline void rowBlocks(const ConvDesc& d, const float* in, float* out, int64_t oy, int64_t g, int64_t b0, int64_t oxLo, int64_t oxHi) {
  columns<NB, true>(d, in, out, oy, g, b0, 0, oxLo);
  columns<NB, false>(d, in, out, oy, g, b0, oxLo, oxHi);
  columns<NB, true>(d, in, out, oy, g, b0, oxHi, d.outW);
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
