// Vector-width-generic bodies of the MLP kernels, included by mlp_kernels_avx2.cc (V = 8 lanes)
// and mlp_kernels_avx512.cc (V = 16 lanes), each compiled with its own -m flags. Everything here
// is in an anonymous namespace so the two instantiations can never be merged by the linker.
// V provides: T, L (lanes), zero(), load(p) (unaligned ok), set1(f), fma(a, b, c) = a*b + c,
// add(a, b), store(p, v), hsum(v).
#pragma once
#include <cstdint>

namespace cnn2mlp {
namespace {

// --- dense GEMV: 4 rows at a time, 2 accumulators per row (8 independent FMA chains), W read once.
template <class V>
inline void gemvImpl(const float* W, int64_t ld, const float* x, const float* bias, float* y, int64_t r0, int64_t r1) {
  using T = typename V::T;
  constexpr int L = V::L;
  int64_t r = r0;
  for (; r + 4 <= r1; r += 4) {
    const float* w0 = W + r * ld;
    const float* w1 = w0 + ld;
    const float* w2 = w1 + ld;
    const float* w3 = w2 + ld;
    T a0 = V::zero(), a1 = V::zero(), a2 = V::zero(), a3 = V::zero();
    T b0 = V::zero(), b1 = V::zero(), b2 = V::zero(), b3 = V::zero();
    int64_t k = 0;
    for (; k + 2 * L <= ld; k += 2 * L) {
      const T x0 = V::load(x + k), x1 = V::load(x + k + L);
      a0 = V::fma(V::load(w0 + k), x0, a0);
      a1 = V::fma(V::load(w1 + k), x0, a1);
      a2 = V::fma(V::load(w2 + k), x0, a2);
      a3 = V::fma(V::load(w3 + k), x0, a3);
      b0 = V::fma(V::load(w0 + k + L), x1, b0);
      b1 = V::fma(V::load(w1 + k + L), x1, b1);
      b2 = V::fma(V::load(w2 + k + L), x1, b2);
      b3 = V::fma(V::load(w3 + k + L), x1, b3);
    }
    for (; k < ld; k += L) {
      const T x0 = V::load(x + k);
      a0 = V::fma(V::load(w0 + k), x0, a0);
      a1 = V::fma(V::load(w1 + k), x0, a1);
      a2 = V::fma(V::load(w2 + k), x0, a2);
      a3 = V::fma(V::load(w3 + k), x0, a3);
    }
    y[r] = V::hsum(V::add(a0, b0)) + bias[r];
    y[r + 1] = V::hsum(V::add(a1, b1)) + bias[r + 1];
    y[r + 2] = V::hsum(V::add(a2, b2)) + bias[r + 2];
    y[r + 3] = V::hsum(V::add(a3, b3)) + bias[r + 3];
  }
  for (; r < r1; r++) {
    const float* w = W + r * ld;
    T a = V::zero();
    for (int64_t k = 0; k < ld; k += L) a = V::fma(V::load(w + k), V::load(x + k), a);
    y[r] = V::hsum(a) + bias[r];
  }
}

// --- dense GEMM register tile: R rows × NV vectors of batch lanes, k in [k0, k1). W[r][k] is
// broadcast, the Xt panel row k (NV vectors) is loaded once and reused by all R rows.
template <class V, int R, int NV>
inline void gemmTile(const float* W, int64_t ld, int64_t k0, int64_t k1, const float* Xt, int64_t bp, const float* bias, float* Yt, int64_t r, int64_t b0) {
  using T = typename V::T;
  constexpr int L = V::L;
  T acc[R][NV];
#pragma GCC unroll 16
  for (int i = 0; i < R; i++)
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) acc[i][v] = k0 == 0 ? V::set1(bias[r + i]) : V::load(Yt + (r + i) * bp + b0 + v * L);
  const float* w = W + r * ld;
  for (int64_t k = k0; k < k1; k++) {
    T xv[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) xv[v] = V::load(Xt + k * bp + b0 + v * L);
#pragma GCC unroll 16
    for (int i = 0; i < R; i++) {
      const T wi = V::set1(w[i * ld + k]);
#pragma GCC unroll 4
      for (int v = 0; v < NV; v++) acc[i][v] = V::fma(wi, xv[v], acc[i][v]);
    }
  }
#pragma GCC unroll 16
  for (int i = 0; i < R; i++)
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) V::store(Yt + (r + i) * bp + b0 + v * L, acc[i][v]);
}

// Cache blocking: K in blocks of KC = 2048 (the Xt panel block, 2048 × 32 floats = 256 KiB, stays
// in L2 while every row tile of the range streams its W segment; the R × KC W segment is reused
// from L1/L2 across the batch blocks). Partial sums live in Yt between K blocks. Measured on the
// 6400 × 25600 layer at batch 32 (noisy shared machine): KC 256 → ~36, 1024 → ~55, 2048 → ~70
// GFLOP/s; short blocks cut W into segments too short for the hardware prefetcher to stream from
// DRAM, and software prefetch did not help.
template <class V, int R, int NVMAX>
inline void gemmImpl(const float* W, int64_t ld, int64_t K, const float* Xt, int64_t bp, const float* bias, float* Yt, int64_t r0, int64_t r1) {
  constexpr int L = V::L;
  constexpr int64_t KC = 2048;
  for (int64_t k0 = 0; k0 < K; k0 += KC) {
    const int64_t k1 = k0 + KC < K ? k0 + KC : K;
    int64_t r = r0;
    for (; r + R <= r1; r += R)
      for (int64_t b0 = 0; b0 < bp;) {
        if (bp - b0 >= NVMAX * L) {
          gemmTile<V, R, NVMAX>(W, ld, k0, k1, Xt, bp, bias, Yt, r, b0);
          b0 += NVMAX * L;
        } else {
          gemmTile<V, R, 1>(W, ld, k0, k1, Xt, bp, bias, Yt, r, b0);
          b0 += L;
        }
      }
    for (; r < r1; r++)
      for (int64_t b0 = 0; b0 < bp; b0 += L) gemmTile<V, 1, 1>(W, ld, k0, k1, Xt, bp, bias, Yt, r, b0);
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

// --- read-bandwidth probe: 8 independent accumulators so the adds never limit the load rate.
template <class V>
inline double sumImpl(const float* x, int64_t n) {
  using T = typename V::T;
  constexpr int L = V::L;
  T a[8];
  for (int i = 0; i < 8; i++) a[i] = V::zero();
  for (int64_t k = 0; k + 8 * L <= n; k += 8 * L)
#pragma GCC unroll 8
    for (int i = 0; i < 8; i++) a[i] = V::add(a[i], V::load(x + k + i * L));
  T s = V::zero();
  for (int i = 0; i < 8; i++) s = V::add(s, a[i]);
  return V::hsum(s);
}

// --- FMA peak: C independent chains (latency 4 × 2 ports needs >= 8; more hides scheduling).
template <class V, int C>
inline int64_t fmaImpl(int64_t iters, float* sink) {
  using T = typename V::T;
  T a[C];
  for (int i = 0; i < C; i++) a[i] = V::set1(1.f + 0.01f * i);
  const T m = V::set1(0.9999999f), c = V::set1(1e-7f);
  for (int64_t it = 0; it < iters; it++)
#pragma GCC unroll 32
    for (int i = 0; i < C; i++) a[i] = V::fma(a[i], m, c);
  T s = V::zero();
  for (int i = 0; i < C; i++) s = V::add(s, a[i]);
  *sink = V::hsum(s);
  return iters * C;
}

}  // namespace
}  // namespace cnn2mlp
