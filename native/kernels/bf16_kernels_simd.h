// Vector-width-generic bf16-weight GEMV (bf16_kernels.h), included by mlp_kernels_avx2.cc and
// mlp_kernels_avx512.cc (the bf16 GEMMs are gemmImpl of mlp_kernels_simd.h on uint16_t weights). V as in mlp_kernels_simd.h plus loadBf16(p): L bf16 values widened to fp32
// (zero-extend each 16-bit lane to 32 bits, shift left 16: exact).
#pragma once
#include <cstdint>

#include "kernels/bf16_kernels.h"

namespace cnn2mlp {
namespace {

// GEMV: RG rows at a time, 4 accumulators per row; W (half the bytes of fp32) read once.
template <class V, int RG>
inline void bf16GemvImpl(const uint16_t* W, int64_t ld, const float* x, const float* bias, float* y, int64_t r0, int64_t r1) {
  using T = typename V::T;
  constexpr int L = V::L;
  int64_t r = r0;
  for (; r + RG <= r1; r += RG) {
    const uint16_t* w = W + r * ld;
    T a[RG][4];
#pragma GCC unroll 4
    for (int i = 0; i < RG; i++)
#pragma GCC unroll 4
      for (int u = 0; u < 4; u++) a[i][u] = V::zero();
    int64_t k = 0;
    for (; k + 4 * L <= ld; k += 4 * L) {
      T xv[4];
#pragma GCC unroll 4
      for (int u = 0; u < 4; u++) xv[u] = V::load(x + k + u * L);
#pragma GCC unroll 4
      for (int i = 0; i < RG; i++)
#pragma GCC unroll 4
        for (int u = 0; u < 4; u++) a[i][u] = V::fma(V::loadBf16(w + i * ld + k + u * L), xv[u], a[i][u]);
    }
    for (; k < ld; k += L) {
      const T x0 = V::load(x + k);
#pragma GCC unroll 4
      for (int i = 0; i < RG; i++) a[i][0] = V::fma(V::loadBf16(w + i * ld + k), x0, a[i][0]);
    }
#pragma GCC unroll 4
    for (int i = 0; i < RG; i++) y[r + i] = V::hsum(V::add(V::add(a[i][0], a[i][1]), V::add(a[i][2], a[i][3]))) + bias[r + i];
  }
  for (; r < r1; r++) {
    const uint16_t* w = W + r * ld;
    T a = V::zero();
    for (int64_t k = 0; k < ld; k += L) a = V::fma(V::loadBf16(w + k), V::load(x + k), a);
    y[r] = V::hsum(a) + bias[r];
  }
}

}  // namespace
}  // namespace cnn2mlp
