// Vector-width-generic run-CSR kernel bodies, included by rcsr_kernels_avx2.cc (V = 8 lanes) and
// rcsr_kernels_avx512.cc (V = 16 lanes). V provides what mlp_kernels_simd.h's V does plus
// loadPart(p, n): lanes [0, n) from p, the rest zero, nothing read past p + n (0 < n < L).
#pragma once
#include <cstdint>

#include "kernels/rcsr_kernels.h"

namespace cnn2mlp {
namespace {

// SpMV: each run is read as whole vectors of values and x (both contiguous) plus one partial
// vector for its tail, so no column index is loaded. Rows sharing a pattern (the output channels
// of one conv position) go four at a time: one x load feeds four value streams, four independent
// accumulators. Other rows go alone with two accumulators alternating between vectors.
template <class V>
inline void rcsrSpmv4(const RcsrView& m, const float* x, const float* bias, float* y, int64_t r) {
  using T = typename V::T;
  constexpr int L = V::L;
  const float* v[4];
#pragma GCC unroll 4
  for (int i = 0; i < 4; i++) v[i] = m.values + m.rowPtr[r + i];
  const int32_t p = m.rowPat[r];
  const int32_t* run = m.runs + 2 * int64_t(m.patPtr[p]);
  const int32_t* runEnd = m.runs + 2 * int64_t(m.patPtr[p + 1]);
  T a[4] = {V::zero(), V::zero(), V::zero(), V::zero()};
  int64_t off = 0;  // position in each row's values
  for (; run < runEnd; run += 2) {
    const float* xs = x + run[0];
    const int32_t n = run[1];
    int32_t i = 0;
    for (; i + L <= n; i += L) {
      const T xv = V::load(xs + i);
#pragma GCC unroll 4
      for (int k = 0; k < 4; k++) a[k] = V::fma(V::load(v[k] + off + i), xv, a[k]);
    }
    if (i < n) {
      const T xv = V::loadPart(xs + i, n - i);
#pragma GCC unroll 4
      for (int k = 0; k < 4; k++) a[k] = V::fma(V::loadPart(v[k] + off + i, n - i), xv, a[k]);
    }
    off += n;
  }
#pragma GCC unroll 4
  for (int k = 0; k < 4; k++) y[r + k] = V::hsum(a[k]) + bias[r + k];
}

template <class V>
inline void rcsrSpmv1(const RcsrView& m, const float* x, const float* bias, float* y, int64_t r) {
  using T = typename V::T;
  constexpr int L = V::L;
  const float* v = m.values + m.rowPtr[r];
  const int32_t p = m.rowPat[r];
  const int32_t* run = m.runs + 2 * int64_t(m.patPtr[p]);
  const int32_t* runEnd = m.runs + 2 * int64_t(m.patPtr[p + 1]);
  T a0 = V::zero(), a1 = V::zero();
  for (; run < runEnd; run += 2) {
    const float* xs = x + run[0];
    const int32_t n = run[1];
    int32_t i = 0;
    for (; i + 2 * L <= n; i += 2 * L) {
      a0 = V::fma(V::load(v + i), V::load(xs + i), a0);
      a1 = V::fma(V::load(v + i + L), V::load(xs + i + L), a1);
    }
    if (i + L <= n) {
      a0 = V::fma(V::load(v + i), V::load(xs + i), a0);
      i += L;
    }
    if (i < n) a1 = V::fma(V::loadPart(v + i, n - i), V::loadPart(xs + i, n - i), a1);
    v += n;
  }
  y[r] = V::hsum(V::add(a0, a1)) + bias[r];
}

template <class V>
inline void rcsrSpmvImpl(const RcsrView& m, const float* x, const float* bias, float* y, int64_t r0, int64_t r1) {
  int64_t r = r0;
  while (r < r1) {
    if (r + 4 <= r1 && m.rowPat[r] == m.rowPat[r + 3] && m.rowPat[r] == m.rowPat[r + 1] && m.rowPat[r] == m.rowPat[r + 2]) {
      rcsrSpmv4<V>(m, x, bias, y, r);
      r += 4;
    } else {
      rcsrSpmv1<V>(m, x, bias, y, r);
      r += 1;
    }
  }
}

// SpMM: per row, per block of NV vectors of batch lanes, each nonzero is one broadcast and NV
// FMAs against the Xt row of its column; columns of a run are consecutive Xt rows. Nonzeros
// alternate between two accumulator sets (FMA latency), as the CSR SpMM does.
template <class V, int NV>
inline void rcsrSpmmRow(const RcsrView& m, const float* Xt, int64_t bp, const float* bias, float* Yt, int64_t r, int64_t b0) {
  using T = typename V::T;
  constexpr int L = V::L;
  T a[2][NV];
#pragma GCC unroll 4
  for (int u = 0; u < NV; u++) a[0][u] = V::set1(bias[r]), a[1][u] = V::zero();
  const float* v = m.values + m.rowPtr[r];
  const int32_t p = m.rowPat[r];
  const int32_t* run = m.runs + 2 * int64_t(m.patPtr[p]);
  const int32_t* runEnd = m.runs + 2 * int64_t(m.patPtr[p + 1]);
  for (; run < runEnd; run += 2) {
    const float* xk = Xt + int64_t(run[0]) * bp + b0;
    const int32_t n = run[1];
    int32_t i = 0;
    for (; i + 2 <= n; i += 2, xk += 2 * bp) {
      const T w0 = V::set1(v[i]), w1 = V::set1(v[i + 1]);
#pragma GCC unroll 4
      for (int u = 0; u < NV; u++) {
        a[0][u] = V::fma(w0, V::load(xk + u * L), a[0][u]);
        a[1][u] = V::fma(w1, V::load(xk + bp + u * L), a[1][u]);
      }
    }
    if (i < n) {
      const T w0 = V::set1(v[i]);
#pragma GCC unroll 4
      for (int u = 0; u < NV; u++) a[0][u] = V::fma(w0, V::load(xk + u * L), a[0][u]);
    }
    v += n;
  }
#pragma GCC unroll 4
  for (int u = 0; u < NV; u++) V::store(Yt + r * bp + b0 + u * L, V::add(a[0][u], a[1][u]));
}

template <class V>
inline void rcsrSpmmImpl(const RcsrView& m, const float* Xt, int64_t bp, const float* bias, float* Yt, int64_t r0, int64_t r1) {
  constexpr int L = V::L;
  for (int64_t r = r0; r < r1; r++)
    for (int64_t b0 = 0; b0 < bp;) {
      const int64_t nv = (bp - b0) / L;
      if (nv >= 4) {
        rcsrSpmmRow<V, 4>(m, Xt, bp, bias, Yt, r, b0);
        b0 += 4 * L;
      } else if (nv >= 2) {
        rcsrSpmmRow<V, 2>(m, Xt, bp, bias, Yt, r, b0);
        b0 += 2 * L;
      } else {
        rcsrSpmmRow<V, 1>(m, Xt, bp, bias, Yt, r, b0);
        b0 += L;
      }
    }
}

}  // namespace
}  // namespace cnn2mlp
