// Vector-width-generic run-CSR kernel bodies, included by rcsr_kernels_avx2.cc (V = 8 lanes) and
// rcsr_kernels_avx512.cc (V = 16 lanes), for fp32 (W = float) and bf16 (W = uint16_t) values.
// V provides what mlp_kernels_simd.h's V does plus loadPart(p, n) (lanes [0, n) from p, the rest
// zero, nothing read past p + n) and loadBf16(p).
#pragma once
#include <cstdint>

#include "kernels/bf16_kernels.h"
#include "kernels/rcsr_kernels.h"

namespace cnn2mlp {
namespace {

// Values of type W as fp32: fp32 as is, bf16 widened exactly by a 16-bit shift.
template <class V, class W>
struct RcsrVals;
template <class V>
struct RcsrVals<V, float> {
  static const float* of(const RcsrView& m) { return m.values; }
  static typename V::T load(const float* p) { return V::load(p); }
  static typename V::T loadPart(const float* p, int n) { return V::loadPart(p, n); }
};
template <class V>
struct RcsrVals<V, uint16_t> {
  static const uint16_t* of(const RcsrView& m) { return m.values16; }
  static typename V::T load(const uint16_t* p) { return V::loadBf16(p); }
  static typename V::T loadPart(const uint16_t* p, int n) {
    alignas(64) float t[V::L] = {};
    for (int j = 0; j < n; j++) t[j] = bf16ToFloat(p[j]);
    return V::load(t);
  }
};

// SpMV of one chunk (rows [c0, c1), values v column-major, b = c1 − c0 per column): per column,
// one broadcast of x and one FMA per vector of the chunk's row values into the rows' own
// accumulators. The values are one sequential stream, with no horizontal sums and (for full
// chunks) no masked loads; columns alternate between two accumulator sets (FMA latency).
template <class V, class W>
inline void rcsrSpmvChunk(const RcsrView& m, const W* v, int64_t c0, int64_t c1, const float* x, const float* bias, float* y, int64_t r0, int64_t r1) {
  using T = typename V::T;
  using VL = RcsrVals<V, W>;
  constexpr int L = V::L, NV = int(kRcsrChunk) / L, C = int(kRcsrChunk);
  const int b = int(c1 - c0);
  const int32_t p = m.rowPat[c0];
  const int32_t* run = m.runs + 2 * int64_t(m.patPtr[p]);
  const int32_t* runEnd = m.runs + 2 * int64_t(m.patPtr[p + 1]);
  T a0[NV], a1[NV];
#pragma GCC unroll 2
  for (int u = 0; u < NV; u++) a0[u] = a1[u] = V::zero();
  if (b == C) {
    for (; run < runEnd; run += 2) {
      const float* xs = x + run[0];
      const int32_t n = run[1];
      int32_t i = 0;
      for (; i + 2 <= n; i += 2, v += 2 * C) {
        const T x0 = V::set1(xs[i]), x1 = V::set1(xs[i + 1]);
#pragma GCC unroll 2
        for (int u = 0; u < NV; u++) {
          a0[u] = V::fma(VL::load(v + u * L), x0, a0[u]);
          a1[u] = V::fma(VL::load(v + C + u * L), x1, a1[u]);
        }
      }
      if (i < n) {
        const T x0 = V::set1(xs[i]);
#pragma GCC unroll 2
        for (int u = 0; u < NV; u++) a0[u] = V::fma(VL::load(v + u * L), x0, a0[u]);
        v += C;
      }
    }
  } else {
    for (; run < runEnd; run += 2) {
      const float* xs = x + run[0];
      for (int32_t i = 0; i < run[1]; i++, v += b) {
        const T xv = V::set1(xs[i]);
        for (int u = 0; u < NV && u * L < b; u++)
          a0[u] = V::fma(b - u * L >= L ? VL::load(v + u * L) : VL::loadPart(v + u * L, b - u * L), xv, a0[u]);
      }
    }
  }
  if (b == C && c0 >= r0 && c1 <= r1) {
#pragma GCC unroll 2
    for (int u = 0; u < NV; u++) V::store(y + c0 + u * L, V::add(V::add(a0[u], a1[u]), V::load(bias + c0 + u * L)));
    return;
  }
  alignas(64) float s[C];
  for (int u = 0; u < NV; u++) V::store(s + u * L, V::add(a0[u], a1[u]));
  for (int64_t r = c0 > r0 ? c0 : r0; r < c1 && r < r1; r++) y[r] = s[r - c0] + bias[r];
}

template <class V, class W>
inline void rcsrSpmvImpl(const RcsrView& m, const float* x, const float* bias, float* y, int64_t r0, int64_t r1) {
  const W* values = RcsrVals<V, W>::of(m);
  forEachRcsrChunk(m.rowPat, m.rows, r0, r1, [&](int64_t c0, int64_t c1) { rcsrSpmvChunk<V, W>(m, values + m.rowPtr[c0], c0, c1, x, bias, y, r0, r1); });
}

// SpMM: RT rows of one chunk × NV vectors of batch lanes over the pattern's columns [i0, i1) (in
// pattern order); each column's Xt vectors are loaded once and meet RT broadcast values (row t's
// value i is v[i·stride + t]), so RT·NV independent accumulators. They start from the bias for
// i0 = 0, else from the partial sums an earlier column block left in Yt.
template <class V, class W, int RT, int NV>
inline void rcsrSpmmTile(const int32_t* run, const int32_t* runEnd, int64_t i0, int64_t i1, const W* v, int64_t stride, const float* Xt, int64_t bp,
                         const float* bias, float* Yt, int64_t r, int64_t b0) {
  using T = typename V::T;
  constexpr int L = V::L;
  T a[RT][NV];
#pragma GCC unroll 4
  for (int t = 0; t < RT; t++)
#pragma GCC unroll 4
    for (int u = 0; u < NV; u++) a[t][u] = i0 == 0 ? V::set1(bias[r + t]) : V::load(Yt + (r + t) * bp + b0 + u * L);
  v += i0 * stride;
  for (int64_t pos = 0; run < runEnd && pos < i1; pos += run[1], run += 2) {  // pos: the run's first flat index
    const int64_t s = pos > i0 ? pos : i0, e = pos + run[1] < i1 ? pos + run[1] : i1;
    const float* xk = Xt + (run[0] + (s - pos)) * bp + b0;
    for (int64_t i = s; i < e; i++, xk += bp, v += stride) {
      T xv[NV];
#pragma GCC unroll 4
      for (int u = 0; u < NV; u++) xv[u] = V::load(xk + u * L);
#pragma GCC unroll 4
      for (int t = 0; t < RT; t++) {
        const T w = V::set1(widenWeight(v[t]));
#pragma GCC unroll 4
        for (int u = 0; u < NV; u++) a[t][u] = V::fma(w, xv[u], a[t][u]);
      }
    }
  }
#pragma GCC unroll 4
  for (int t = 0; t < RT; t++)
#pragma GCC unroll 4
    for (int u = 0; u < NV; u++) V::store(Yt + (r + t) * bp + b0 + u * L, a[t][u]);
}

// Rows [ra, rb) of the chunk at c0 (b rows, values v), columns [i0, i1), batch lanes [b0, b0 + NV·L).
template <class V, class W, int NV>
inline void rcsrSpmmRows(const RcsrView& m, const W* v, int64_t c0, int64_t b, int64_t ra, int64_t rb, int64_t i0, int64_t i1, const float* Xt, int64_t bp,
                         const float* bias, float* Yt, int64_t b0) {
  const int32_t p = m.rowPat[c0];
  const int32_t* run = m.runs + 2 * int64_t(m.patPtr[p]);
  const int32_t* runEnd = m.runs + 2 * int64_t(m.patPtr[p + 1]);
  int64_t r = ra;
  for (; r + 4 <= rb; r += 4) rcsrSpmmTile<V, W, 4, NV>(run, runEnd, i0, i1, v + (r - c0), b, Xt, bp, bias, Yt, r, b0);
  for (; r < rb; r++) rcsrSpmmTile<V, W, 1, NV>(run, runEnd, i0, i1, v + (r - c0), b, Xt, bp, bias, Yt, r, b0);
}

// MaxNV: vectors of batch lanes per tile (4 rows × MaxNV accumulators must fit the registers).
// Long patterns (a full matrix stored as run-CSR) go in column blocks whose Xt rows (≤ 64 KiB)
// stay in cache while every row of the range passes over them; conv patterns fit one block.
template <class V, class W, int MaxNV>
inline void rcsrSpmmImpl(const RcsrView& m, const float* Xt, int64_t bp, const float* bias, float* Yt, int64_t r0, int64_t r1) {
  constexpr int L = V::L;
  const W* values = RcsrVals<V, W>::of(m);
  const int64_t kb = (int64_t(64) << 10) / (bp * 4) > 64 ? (int64_t(64) << 10) / (bp * 4) : 64;
  for (int64_t i0 = 0, more = 1; more; i0 += kb) {
    more = 0;
    forEachRcsrChunk(m.rowPat, m.rows, r0, r1, [&](int64_t c0, int64_t c1) {
      const int64_t n = m.rowPtr[c0 + 1] - m.rowPtr[c0];
      if (i0 > 0 && i0 >= n) return;  // i0 = 0 always runs: an empty row still gets its bias
      const int64_t i1 = n < i0 + kb ? n : i0 + kb;
      more |= i1 < n;
      const W* v = values + m.rowPtr[c0];
      const int64_t ra = c0 > r0 ? c0 : r0, rb = c1 < r1 ? c1 : r1;
      for (int64_t b0 = 0; b0 < bp;) {
        const int64_t nv = (bp - b0) / L;
        if (MaxNV >= 4 && nv >= 4) {
          rcsrSpmmRows<V, W, MaxNV >= 4 ? 4 : 1>(m, v, c0, c1 - c0, ra, rb, i0, i1, Xt, bp, bias, Yt, b0);
          b0 += 4 * L;
        } else if (nv >= 2) {
          rcsrSpmmRows<V, W, 2>(m, v, c0, c1 - c0, ra, rb, i0, i1, Xt, bp, bias, Yt, b0);
          b0 += 2 * L;
        } else {
          rcsrSpmmRows<V, W, 1>(m, v, c0, c1 - c0, ra, rb, i0, i1, Xt, bp, bias, Yt, b0);
          b0 += L;
        }
      }
    });
  }
}

}  // namespace
}  // namespace cnn2mlp
