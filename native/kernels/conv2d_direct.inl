// The register-tiled direct convolution shared by the SIMD kernel files; each includes this after
// defining a vector trait V (lanes L, load/bcast/fma/partial store) for its ISA. Formula and
// weight layouts: conv2d.h. Not a standalone header: it must be compiled with the ISA's flags.
//
// General conv tile: RW consecutive output pixels of one row × NB 16-channel blocks of one group,
// RW·NB·(16/L) accumulators. Per (tap, input channel): NB·16/L weight vector loads, RW broadcasts
// of the input, RW·NB·16/L FMAs. Interior pixels (every tap column inside the input) run the
// unchecked tile; border pixels run a checked tile that reads zeros for taps in the padding (with
// cinG >= 16 the range tiles evenly and any tile holding a border pixel is checked; with fewer
// input channels interior and border runs tile separately). Rows in the
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
#define CNN2MLP_INLINE inline __attribute__((always_inline))

inline bool vectorAct(int code) { return code == ActLinear || code == ActRelu || code == ActLeakyRelu || code == ActClip; }

CNN2MLP_INLINE R actV(const Activation& a, R v) {
  switch (a.code) {
    case ActRelu: return V::max(v, V::zero());
    case ActLeakyRelu: return V::add(V::max(v, V::zero()), V::mul(V::set1(a.alpha), V::min(v, V::zero())));
    case ActClip: return V::min(V::max(v, V::set1(a.min)), V::set1(a.max));
    default: return v;
  }
}

// Stores v (n valid lanes) and applies the activation: vectorised when it can be, else per lane
// (softmax is left to the caller: it spans the whole channel axis).
CNN2MLP_INLINE void storeAct(const Activation& a, float* p, R v, int n) {
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
CNN2MLP_INLINE void accumulate(R (&acc)[U][RW][NV], const float* const (&ip)[RW], const float* wp, int64_t n, int64_t blockStride) {
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

// Tile epilogue: bias, activation, store. One instantiation per vectorised activation kind, all
// force-inlined (no lambdas: GCC outlines them, and a reference to the accumulators then forces
// them to memory for the whole reduction loop).
template <int ACT>
CNN2MLP_INLINE R actAs(R v, R p0, R p1) {
  if constexpr (ACT == ActRelu) return V::max(v, V::zero());
  if constexpr (ACT == ActLeakyRelu) return V::add(V::max(v, V::zero()), V::mul(p0, V::min(v, V::zero())));
  if constexpr (ACT == ActClip) return V::min(V::max(v, p0), p1);
  return v;
}

template <int RW, int NV, int ACT>
CNN2MLP_INLINE void storeAs(const ConvDesc& d, const R (&acc)[RW][NV], float* o0, const float* bias, int64_t c0, R p0, R p1) {
  for (int j = 0; j < NV; j++) {
    const int n = int(std::min<int64_t>(V::L, d.coutG - (c0 + j * V::L)));
    if (n <= 0) break;
    const R bv = V::load(bias + j * V::L);
    if (n == V::L)
      for (int r = 0; r < RW; r++) V::storeu(o0 + r * d.outPitch + j * V::L, actAs<ACT>(V::add(acc[r][j], bv), p0, p1));
    else
      for (int r = 0; r < RW; r++) V::storePartial(o0 + r * d.outPitch + j * V::L, actAs<ACT>(V::add(acc[r][j], bv), p0, p1), n);
  }
}

template <int RW, int NB>
CNN2MLP_INLINE void storeTile(const ConvDesc& d, const R (&acc)[RW][NB * (kConvBlock / V::L)], float* out, int64_t p, int64_t g, int64_t b0) {
  constexpr int NV = NB * (kConvBlock / V::L);
  const float* bias = d.biasPacked + (g * d.nbG + b0) * kConvBlock;
  float* o0 = out + p * d.outPitch + g * d.coutG + b0 * kConvBlock;
  const int64_t c0 = b0 * kConvBlock;
  const Activation& a = d.act;
  switch (a.code) {
    case ActRelu: storeAs<RW, NV, ActRelu>(d, acc, o0, bias, c0, V::zero(), V::zero()); break;
    case ActLeakyRelu: storeAs<RW, NV, ActLeakyRelu>(d, acc, o0, bias, c0, V::set1(a.alpha), V::zero()); break;
    case ActClip: storeAs<RW, NV, ActClip>(d, acc, o0, bias, c0, V::set1(a.min), V::set1(a.max)); break;
    default:
      storeAs<RW, NV, ActLinear>(d, acc, o0, bias, c0, V::zero(), V::zero());
      if (a.code != ActLinear && a.code != ActSoftmax) {  // transcendental: per value, in place
        const int64_t n = std::min<int64_t>(NB * kConvBlock, d.coutG - c0);
        for (int r = 0; r < RW; r++)
          for (int64_t c = 0; c < n; c++) o0[r * d.outPitch + c] = activate1(a, o0[r * d.outPitch + c]);
      }
  }
}

// Which output pixels have every tap inside the input (no padding taps): the fast path.
struct Interior {
  int64_t oyLo, oyHi, oxLo, oxHi;
  explicit Interior(const ConvDesc& d) {
    auto axis = [](int64_t out, int64_t in, int64_t pad, int64_t s, int64_t dil, int64_t k, int64_t* lo, int64_t* hi) {
      *lo = std::min<int64_t>(out, (pad + s - 1) / s);
      const int64_t num = in - 1 - (k - 1) * dil + pad;
      *hi = num < 0 ? 0 : std::min<int64_t>(out, num / s + 1);
      if (*hi < *lo) *hi = *lo;
    };
    axis(d.outH, d.inH, d.padT, d.sh, d.dh, d.kh, &oyLo, &oyHi);
    axis(d.outW, d.inW, d.padL, d.sw, d.dw, d.kw, &oxLo, &oxHi);
  }
  bool has(int64_t oy, int64_t ox) const { return oy >= oyLo && oy < oyHi && ox >= oxLo && ox < oxHi; }
};

// RW consecutive output pixels p … p+RW-1 in row-major (oy, ox) order — a tile may wrap onto the
// next row, so narrow outputs still fill it — × NB blocks (b0 …) of group g. CHECKED tiles may
// hold pixels whose taps fall in the padding: those taps read d.zeros instead.
template <int RW, int NB, bool CHECKED>
inline void tile(const ConvDesc& d, const float* in, float* out, int64_t p, int64_t g, int64_t b0) {
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
  const float* inG = in + g * cinG;
  int64_t iy0[RW], ix0[RW];  // input coordinates of tap (0, 0) of each pixel
  {
    int64_t oy = p / d.outW, ox = p - oy * d.outW;  // one division per tile, then step
    for (int r = 0; r < RW; r++) {
      iy0[r] = oy * d.sh - d.padT;
      ix0[r] = ox * d.sw - d.padL;
      if (++ox == d.outW) ox = 0, oy++;
    }
  }
  // Interior tiles with unit column dilation and one group read (kx, ci) as one contiguous run in
  // both the input and the packed weights: one long reduction loop per kernel row.
  const bool merge = !CHECKED && d.dw == 1 && cinG == d.inC && (d.kw == 1 || d.inPitch == d.inC);
  for (int ky = 0; ky < d.kh; ky++) {
    const float* wy = wg + int64_t(ky) * d.kw * cinG * kConvBlock;
    int64_t iy[RW];
    bool anyRow = !CHECKED;
    for (int r = 0; r < RW; r++) {
      iy[r] = iy0[r] + int64_t(ky) * d.dh;
      if (CHECKED && iy[r] >= 0 && iy[r] < d.inH) anyRow = true;
    }
    if (!anyRow) continue;
    if (merge) {
      const float* ip[RW];
      for (int r = 0; r < RW; r++) ip[r] = inG + (iy[r] * d.inW + ix0[r]) * d.inPitch;
      accumulate<RW, NV, U>(acc, ip, wy, d.kw * cinG, blockStride);
      continue;
    }
    for (int kx = 0; kx < d.kw; kx++) {
      const float* ip[RW];
      bool any = !CHECKED;
      for (int r = 0; r < RW; r++) {
        const int64_t ix = ix0[r] + int64_t(kx) * d.dw;
        if (CHECKED && (ix < 0 || ix >= d.inW || iy[r] < 0 || iy[r] >= d.inH)) {
          ip[r] = d.zeros;
        } else {
          ip[r] = inG + (iy[r] * d.inW + ix) * d.inPitch;
          any = true;
        }
      }
      if (any) accumulate<RW, NV, U>(acc, ip, wy + int64_t(kx) * cinG * kConvBlock, cinG, blockStride);
    }
  }
  for (int u = 1; u < U; u++)
    for (int r = 0; r < RW; r++)
      for (int j = 0; j < NV; j++) acc[0][r][j] = V::add(acc[0][r][j], acc[u][r][j]);
  storeTile<RW, NB>(d, acc[0], out, p, g, b0);
}

template <int RWN, int NB, bool CHECKED>
inline void tileOf(int w, const ConvDesc& d, const float* in, float* out, int64_t p, int64_t g, int64_t b0) {
  if constexpr (RWN > 0) {
    if (w == RWN)
      tile<RWN, NB, CHECKED>(d, in, out, p, g, b0);
    else
      tileOf<RWN - 1, NB, CHECKED>(w, d, in, out, p, g, b0);
  }
}

// Output pixels [p0, p1) in tiles of at most RW pixels. Runs of interior pixels (which may wrap
// across rows) and runs of border pixels are tiled separately, each split evenly (19 → 5,5,5,4
// rather than 6,6,6,1: a narrow tile costs nearly the weight traffic of a wide one).
template <int NB>
inline void pixelBlocks(const ConvDesc& d, const Interior& inner, const float* in, float* out, int64_t p0, int64_t p1, int64_t g, int64_t b0) {
  constexpr int RW = RwFor(NB);
  int64_t oy = p0 / d.outW, ox = p0 - oy * d.outW;  // of pixel q below, stepped without divisions
  if (d.cinG >= kConvBlock) {
    // Long per-tap runs (cinG >= 16): a checked tile costs about what an unchecked one does, so
    // the whole range tiles evenly at full width and a tile is checked only if it holds a border
    // pixel. (Split into runs, a 'same'-padded row of 20 = 19 interior + 1 border pixel becomes
    // tiles 5,5,5,4 plus a latency-bound one-pixel tile, instead of 6,6,6,6 over a row and a bit.)
    const int64_t n = p1 - p0, tiles = (n + RW - 1) / RW;
    if (tiles == 0) return;
    const int64_t base = n / tiles, extra = n % tiles;
    for (int64_t t = 0, p = p0; t < tiles; t++) {
      const int w = int(base + (t < extra ? 1 : 0));
      bool interior = true;
      for (int r = 0; r < w; r++) {
        interior = interior && inner.has(oy, ox);
        if (++ox == d.outW) ox = 0, oy++;
      }
      if (interior)
        tileOf<RW, NB, false>(w, d, in, out, p, g, b0);
      else
        tileOf<RW, NB, true>(w, d, in, out, p, g, b0);
      p += w;
    }
    return;
  }
  for (int64_t p = p0; p < p1;) {
    const bool interior = inner.has(oy, ox);
    int64_t q = p;
    do {
      q++;
      if (++ox == d.outW) ox = 0, oy++;
    } while (q < p1 && inner.has(oy, ox) == interior);
    const int64_t n = q - p, tiles = (n + RW - 1) / RW, base = n / tiles, extra = n % tiles;
    for (int64_t t = 0; t < tiles; t++) {
      const int w = int(base + (t < extra ? 1 : 0));
      if (interior)
        tileOf<RW, NB, false>(w, d, in, out, p, g, b0);
      else
        tileOf<RW, NB, true>(w, d, in, out, p, g, b0);
      p += w;
    }
  }
}

inline void convPixels(const ConvDesc& d, const float* in, float* out, int64_t p0, int64_t p1, int64_t u0, int64_t u1) {
  const Interior inner(d);
  for (int64_t u = u0; u < u1;) {
    const int64_t g = u / d.nbG, b = u % d.nbG;
    const int nb = int(std::min<int64_t>({int64_t(kMaxNb), d.nbG - b, u1 - u}));
    switch (nb) {
      case 1: pixelBlocks<1>(d, inner, in, out, p0, p1, g, b); break;
      case 2: if constexpr (kMaxNb >= 2) pixelBlocks<2>(d, inner, in, out, p0, p1, g, b); break;
      case 3: if constexpr (kMaxNb >= 3) pixelBlocks<3>(d, inner, in, out, p0, p1, g, b); break;
      default: if constexpr (kMaxNb >= 4) pixelBlocks<4>(d, inner, in, out, p0, p1, g, b); break;
    }
    u += nb;
  }
}

constexpr int kDwVecs = 4;

inline void dwPixels(const ConvDesc& d, const float* in, float* out, int64_t p0, int64_t p1, int64_t, int64_t) {
  const int64_t C = d.outC;
  for (int64_t p = p0; p < p1; p++) {
    const int64_t oy = p / d.outW, ox = p - oy * d.outW;
    int kyLo = 0, kyHi = d.kh;
    while (kyLo < kyHi && oy * d.sh - d.padT + int64_t(kyLo) * d.dh < 0) kyLo++;
    while (kyHi > kyLo && oy * d.sh - d.padT + int64_t(kyHi - 1) * d.dh >= d.inH) kyHi--;
    int kxLo = 0, kxHi = d.kw;
    while (kxLo < kxHi && ox * d.sw - d.padL + int64_t(kxLo) * d.dw < 0) kxLo++;
    while (kxHi > kxLo && ox * d.sw - d.padL + int64_t(kxHi - 1) * d.dw >= d.inW) kxHi--;
    float* op = out + p * d.outPitch;
    for (int64_t c0 = 0; c0 < C; c0 += kDwVecs * V::L) {
      const int64_t left = C - c0;
      if (left >= kDwVecs * V::L) {
        R acc[kDwVecs];
        for (int j = 0; j < kDwVecs; j++) acc[j] = V::loadu(d.bias + c0 + j * V::L);
        for (int ky = kyLo; ky < kyHi; ky++) {
          const int64_t iy = oy * d.sh - d.padT + int64_t(ky) * d.dh;
          for (int kx = kxLo; kx < kxHi; kx++) {
            const int64_t ix = ox * d.sw - d.padL + int64_t(kx) * d.dw;
            const float* ip = in + (iy * d.inW + ix) * d.inPitch + c0;
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
              acc = V::fma(V::loadPartial(in + (iy * d.inW + ix) * d.inPitch + c, n), V::loadPartial(d.hwio + (int64_t(ky) * d.kw + kx) * C + c, n), acc);
            }
          }
          storeAct(d.act, op + c, acc, n);
        }
      }
    }
  }
}


// Grouped convolution with few channels per group (depthwise multiplier > 1, small groups):
// vectorised over output channels, whose input channel varies by lane (gathered). HWIO weights
// for one tap and input channel are contiguous over output channels, so weights load directly.
inline void groupedPixels(const ConvDesc& d, const float* in, float* out, int64_t p0, int64_t p1, int64_t, int64_t) {
  const int64_t C = d.outC, cinG = d.cinG;
  for (int64_t oc0 = 0; oc0 < C; oc0 += V::L) {
    const int n = int(std::min<int64_t>(V::L, C - oc0));
    int32_t lane[V::L];
    for (int l = 0; l < V::L; l++) lane[l] = l < n ? int32_t(((oc0 + l) / d.coutG) * cinG) : 0;  // tail lanes read channel 0, never stored
    const auto idx = V::loadIndex(lane);
    const R bv = V::loadPartial(d.bias + oc0, n);
    for (int64_t p = p0; p < p1; p++) {
      const int64_t oy = p / d.outW, ox = p - oy * d.outW;
      R acc = bv;
      for (int ky = 0; ky < d.kh; ky++) {
        const int64_t iy = oy * d.sh - d.padT + int64_t(ky) * d.dh;
        if (iy < 0 || iy >= d.inH) continue;
        for (int kx = 0; kx < d.kw; kx++) {
          const int64_t ix = ox * d.sw - d.padL + int64_t(kx) * d.dw;
          if (ix < 0 || ix >= d.inW) continue;
          const float* ip = in + (iy * d.inW + ix) * d.inPitch;
          const float* wp = d.hwio + (int64_t(ky) * d.kw + kx) * cinG * C + oc0;
          for (int64_t ci = 0; ci < cinG; ci++) acc = V::fma(V::gather(ip + ci, idx), V::loadPartial(wp + ci * C, n), acc);
        }
      }
      storeAct(d.act, out + p * d.outPitch + oc0, acc, n);
    }
  }
}

#undef CNN2MLP_INLINE
}  // namespace CONV_NS
}  // namespace cnn2mlp
