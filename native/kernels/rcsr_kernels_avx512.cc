// AVX-512F run-CSR kernels (16 fp32 lanes). Formulas and layout: rcsr_kernels.h.
//   f32_spmv_rcsr_4x16__avx512: rows sharing a pattern four at a time (one x load, four value
//     streams), each run as whole zmm loads plus one zero-masked tail (masked lanes never read).
//   f32_spmm_rcsr_1x64__avx512: per row up to 64 batch lanes (4 zmm) per pass over the runs.
#include <immintrin.h>

#include "kernels/rcsr_kernels_simd.h"

namespace cnn2mlp {
namespace {
struct V512 {
  using T = __m512;
  static constexpr int L = 16;
  static T zero() { return _mm512_setzero_ps(); }
  static T load(const float* p) { return _mm512_loadu_ps(p); }
  static T loadPart(const float* p, int n) { return _mm512_maskz_loadu_ps(__mmask16((1u << n) - 1), p); }
  static T set1(float f) { return _mm512_set1_ps(f); }
  static T fma(T a, T b, T c) { return _mm512_fmadd_ps(a, b, c); }
  static T add(T a, T b) { return _mm512_add_ps(a, b); }
  static void store(float* p, T v) { _mm512_storeu_ps(p, v); }
  static float hsum(T v) { return _mm512_reduce_add_ps(v); }
};
}  // namespace

void f32_spmv_rcsr_4x16__avx512(const RcsrView& m, const float* x, const float* bias, float* y, int64_t r0, int64_t r1) {
  rcsrSpmvImpl<V512>(m, x, bias, y, r0, r1);
}

void f32_spmm_rcsr_1x64__avx512(const RcsrView& m, const float* Xt, int64_t bp, const float* bias, float* Yt, int64_t r0, int64_t r1) {
  rcsrSpmmImpl<V512>(m, Xt, bp, bias, Yt, r0, r1);
}

}  // namespace cnn2mlp
