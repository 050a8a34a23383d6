// Vector-width-generic bodies of the MLP kernels, included by mlp_kernels_avx2.cc (V = 8 lanes)
// and mlp_kernels_avx512.cc (V = 16 lanes), each compiled with its own -m flags. Everything here
// is in an anonymous namespace so the two instantiations can never be merged by the linker.
// V provides: T, L (lanes), zero(), load(p) (unaligned ok), loadBf16(p) (L bf16 widened exactly),
// loadBf16Split / splitPairs (2·L values as even- and odd-indexed vectors), set1(f),
// fma(a, b, c) = a*b + c, add(a, b), store(p, v), hsum(v).
#pragma once
#include <cstdint>

#include "kernels/bf16_kernels.h"

namespace cnn2mlp {
namespace {

// The GEMV and GEMM bodies below are templates on the weight type WT (float or uint16_t bf16), so
// one body serves both: scalar weights through widenWeight (bf16_kernels.h), vectors through these.
template <class V>
inline typename V::T loadWeights(const float* p) { return V::load(p); }
template <class V>
inline typename V::T loadWeights(const uint16_t* p) { return V::loadBf16(p); }
// 2·L weights of a row as two fp32 vectors, and the 2·L x values they multiply, paired the same
// way. fp32: the two halves. bf16: even- and odd-indexed elements (V::loadBf16Split), the order
// the sum is taken in does not matter to the result's bound.
template <class V>
inline void loadWeightPair(const float* w, typename V::T& a, typename V::T& b) { a = V::load(w), b = V::load(w + V::L); }
template <class V>
inline void loadWeightPair(const uint16_t* w, typename V::T& a, typename V::T& b) { V::loadBf16Split(w, a, b); }
template <class V>
inline void loadXPair(const float*, const float* x, typename V::T& a, typename V::T& b) { a = V::load(x), b = V::load(x + V::L); }
template <class V>
inline void loadXPair(const uint16_t*, const float* x, typename V::T& a, typename V::T& b) { V::splitPairs(x, a, b); }

// --- dense GEMV: RG rows at a time, U accumulators (U vectors of k, U even) per row, W read
// once. The x vectors of a step are loaded (bf16: split into pairs) once for all RG rows. RG rows are RG concurrent DRAM streams:
// bf16 rows move half the bytes per step, so bf16 kernels use more rows to keep as many bytes in
// flight as the fp32 ones.
template <class V, int RG, int U, class WT>
inline void gemvImpl(const WT* W, int64_t ld, const float* x, const float* bias, float* y, int64_t r0, int64_t r1) {
  static_assert(U % 2 == 0, "the step loads weights in pairs of vectors");
  using T = typename V::T;
  constexpr int L = V::L;
  int64_t r = r0;
  for (; r + RG <= r1; r += RG) {
    const WT* w = W + r * ld;
    T a[RG][U];
#pragma GCC unroll 8
    for (int i = 0; i < RG; i++)
#pragma GCC unroll 4
      for (int u = 0; u < U; u++) a[i][u] = V::zero();
    int64_t k = 0;
    for (; k + U * L <= ld; k += U * L) {
      T xv[U];
#pragma GCC unroll 4
      for (int u = 0; u < U; u += 2) loadXPair<V>(w, x + k + u * L, xv[u], xv[u + 1]);
#pragma GCC unroll 8
      for (int i = 0; i < RG; i++)
#pragma GCC unroll 4
        for (int u = 0; u < U; u += 2) {
          T w0, w1;
          loadWeightPair<V>(w + i * ld + k + u * L, w0, w1);
          a[i][u] = V::fma(w0, xv[u], a[i][u]);
          a[i][u + 1] = V::fma(w1, xv[u + 1], a[i][u + 1]);
        }
    }
    for (; k < ld; k += L) {
      const T x0 = V::load(x + k);
#pragma GCC unroll 8
      for (int i = 0; i < RG; i++) a[i][0] = V::fma(loadWeights<V>(w + i * ld + k), x0, a[i][0]);
    }
#pragma GCC unroll 8
    for (int i = 0; i < RG; i++) {
      T s = a[i][0];
#pragma GCC unroll 4
      for (int u = 1; u < U; u++) s = V::add(s, a[i][u]);
      y[r + i] = V::hsum(s) + bias[r + i];
    }
  }
  for (; r < r1; r++) {
    const WT* w = W + r * ld;
    T a = V::zero();
    for (int64_t k = 0; k < ld; k += L) a = V::fma(loadWeights<V>(w + k), V::load(x + k), a);
    y[r] = V::hsum(a) + bias[r];
  }
}

// --- dense GEMM register tile: R rows × NV vectors of batch lanes, k in [k0, k1). W[r][k] is
// broadcast, the Xt panel row k (NV vectors) is loaded once and reused by all R rows. `pf` (may be
// null) is the W segment the next tile will read (R rows × (k1 - k0), row stride ld): one line of
// each of its rows is prefetched into L2 every 16 k, so the next tile's W arrives from DRAM while
// this one computes (a whole tile of lead time, far more than the DRAM latency), instead of
// relying on the hardware prefetcher to follow R short strided streams at once.
template <class V, int R, int NV, class WT>
inline void gemmTile(const WT* W, int64_t ld, int64_t k0, int64_t k1, const float* Xt, int64_t bp, const float* bias, float* Yt, int64_t r, int64_t b0, const WT* pf) {
  using T = typename V::T;
  constexpr int L = V::L;
  T acc[R][NV];
#pragma GCC unroll 16
  for (int i = 0; i < R; i++)
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) acc[i][v] = k0 == 0 ? V::set1(bias[r + i]) : V::load(Yt + (r + i) * bp + b0 + v * L);
  const WT* w = W + r * ld;
  for (int64_t kb = k0; kb < k1; kb += 16) {
    if (pf) {
#pragma GCC unroll 16
      for (int i = 0; i < R; i++) __builtin_prefetch(pf + i * ld + (kb - k0), 0, 2);
    }
    const int64_t ke = kb + 16 < k1 ? kb + 16 : k1;
    for (int64_t k = kb; k < ke; k++) {
      T xv[NV];
#pragma GCC unroll 4
      for (int v = 0; v < NV; v++) xv[v] = V::load(Xt + k * bp + b0 + v * L);
#pragma GCC unroll 16
      for (int i = 0; i < R; i++) {
        const T wi = V::set1(widenWeight(w[i * ld + k]));
#pragma GCC unroll 4
        for (int v = 0; v < NV; v++) acc[i][v] = V::fma(wi, xv[v], acc[i][v]);
      }
    }
  }
#pragma GCC unroll 16
  for (int i = 0; i < R; i++)
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) V::store(Yt + (r + i) * bp + b0 + v * L, acc[i][v]);
}

// Cache blocking: K in blocks of KC (the Xt panel block, KC × 32 floats = 128 KiB at KC = 1024,
// stays in L2 while every row tile of the range streams its W segment). Partial sums live in Yt
// between K blocks. The W segment of the next row tile (or of the first tile of the next K block)
// is prefetched while the current one computes; only the first batch block of a tile prefetches
// (the others reuse the same W segment from cache).
template <class V, int R, int NVMAX, class WT>
inline void gemmImpl(const WT* W, int64_t ld, int64_t K, const float* Xt, int64_t bp, const float* bias, float* Yt, int64_t r0, int64_t r1) {
  constexpr int L = V::L;
  constexpr int64_t KC = 1024;
  const int64_t rEnd = r0 + (r1 - r0) / R * R;  // end of the whole R-row tiles
  for (int64_t k0 = 0; k0 < K; k0 += KC) {
    const int64_t k1 = k0 + KC < K ? k0 + KC : K;
    for (int64_t r = r0; r < rEnd; r += R) {
      // Next segment: the next tile in this K block, else the first tile of the next K block.
      const WT* pf = r + R < rEnd ? W + (r + R) * ld + k0 : (k1 < K ? W + r0 * ld + k1 : nullptr);
      for (int64_t b0 = 0; b0 < bp;) {
        if (bp - b0 >= NVMAX * L) {
          gemmTile<V, R, NVMAX, WT>(W, ld, k0, k1, Xt, bp, bias, Yt, r, b0, b0 == 0 ? pf : nullptr);
          b0 += NVMAX * L;
        } else {
          gemmTile<V, R, 1, WT>(W, ld, k0, k1, Xt, bp, bias, Yt, r, b0, b0 == 0 ? pf : nullptr);
          b0 += L;
        }
      }
    }
    for (int64_t r = rEnd; r < r1; r++)
      for (int64_t b0 = 0; b0 < bp; b0 += L) gemmTile<V, 1, 1, WT>(W, ld, k0, k1, Xt, bp, bias, Yt, r, b0, nullptr);
  }
}

// --- CSR SpMM: per row, per block of NV vectors of batch lanes, each nonzero is one broadcast and
// NV FMAs against the Xt row of its column. U interleaved accumulator sets (nonzero j goes to set
// j % U) so consecutive nonzeros do not wait on each other's FMA latency (4 cycles): with one set
// the loop ran at one nonzero per 4 cycles.
template <class V, int NV>
inline void spmmRow(const int64_t* rowPtr, const int32_t* colIdx, const float* values, const float* Xt, int64_t bp, const float* bias, float* Yt, int64_t r, int64_t b0) {
  using T = typename V::T;
  constexpr int L = V::L;
  constexpr int U = NV <= 2 ? 4 : 2;
  T acc[U][NV];
#pragma GCC unroll 4
  for (int u = 0; u < U; u++)
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) acc[u][v] = u == 0 ? V::set1(bias[r]) : V::zero();
  const float* xb = Xt + b0;
  int64_t j = rowPtr[r];
  const int64_t e = rowPtr[r + 1];
  for (; j + U <= e; j += U)
#pragma GCC unroll 4
    for (int u = 0; u < U; u++) {
      const T w = V::set1(values[j + u]);
      const float* p = xb + int64_t(colIdx[j + u]) * bp;
#pragma GCC unroll 4
      for (int v = 0; v < NV; v++) acc[u][v] = V::fma(w, V::load(p + v * L), acc[u][v]);
    }
  for (; j < e; j++) {
    const T w = V::set1(values[j]);
    const float* p = xb + int64_t(colIdx[j]) * bp;
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) acc[0][v] = V::fma(w, V::load(p + v * L), acc[0][v]);
  }
#pragma GCC unroll 4
  for (int v = 0; v < NV; v++) {
    T t = acc[0][v];
#pragma GCC unroll 4
    for (int u = 1; u < U; u++) t = V::add(t, acc[u][v]);
    V::store(Yt + r * bp + b0 + v * L, t);
  }
}

template <class V>
inline void spmmImpl(const int64_t* rowPtr, const int32_t* colIdx, const float* values, const float* Xt, int64_t bp, const float* bias, float* Yt, int64_t r0, int64_t r1) {
  constexpr int L = V::L;
  for (int64_t r = r0; r < r1; r++)
    for (int64_t b0 = 0; b0 < bp;) {
      const int64_t nv = (bp - b0) / L;
      if (nv >= 4) {
        spmmRow<V, 4>(rowPtr, colIdx, values, Xt, bp, bias, Yt, r, b0);
        b0 += 4 * L;
      } else if (nv == 3) {
        spmmRow<V, 3>(rowPtr, colIdx, values, Xt, bp, bias, Yt, r, b0);
        b0 += 3 * L;
      } else if (nv == 2) {
        spmmRow<V, 2>(rowPtr, colIdx, values, Xt, bp, bias, Yt, r, b0);
        b0 += 2 * L;
      } else {
        spmmRow<V, 1>(rowPtr, colIdx, values, Xt, bp, bias, Yt, r, b0);
        b0 += L;
      }
    }
}

// --- read-bandwidth probe: A independent accumulators (A × L floats per step) so the adds never
// limit the load rate (2 loads/cycle × 4-cycle add latency needs >= 8); plain loads, no
// non-temporal hints or prefetches: what a kernel streaming W sees.
template <class V, int A>
inline double sumImpl(const float* x, int64_t n) {
  using T = typename V::T;
  constexpr int L = V::L;
  T a[A];
  for (int i = 0; i < A; i++) a[i] = V::zero();
  int64_t k = 0;
  for (; k + A * L <= n; k += A * L)
#pragma GCC unroll 16
    for (int i = 0; i < A; i++) a[i] = V::add(a[i], V::load(x + k + i * L));
  for (; k + L <= n; k += L) a[0] = V::add(a[0], V::load(x + k));
  T s = V::zero();
  for (int i = 0; i < A; i++) s = V::add(s, a[i]);
  return V::hsum(s);
}

// --- FMA peak: C independent chains a = a·a + c (a = 0.5, c = 0.25: a fixed point, so values
// stay normal forever). 4-cycle latency × 2 FMA ports needs >= 8 chains in flight; C >= 16 leaves
// a 2× margin for scheduling. One constant register, so AVX2 fits 15 chains + c in 16 ymm.
template <class V, int C>
inline int64_t fmaImpl(int64_t iters, float* sink) {
  using T = typename V::T;
  T a[C];
  for (int i = 0; i < C; i++) a[i] = V::set1(0.5f);
  const T c = V::set1(0.25f);
  for (int64_t it = 0; it < iters; it++)
#pragma GCC unroll 32
    for (int i = 0; i < C; i++) a[i] = V::fma(a[i], a[i], c);
  T s = V::zero();
  for (int i = 0; i < C; i++) s = V::add(s, a[i]);
  *sink = V::hsum(s);
  return iters * C;
}

}  // namespace
}  // namespace cnn2mlp
