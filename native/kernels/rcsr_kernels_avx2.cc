// AVX2 + FMA run-CSR kernels (8 fp32 lanes). Formulas and layout: rcsr_kernels.h.
//   f32_spmv_rcsr_4x8__avx2: rows sharing a pattern four at a time (one x load, four value
//     streams), each run as whole ymm loads plus one masked tail (vmaskmovps reads nothing past
//     the run).
//   f32_spmm_rcsr_1x32__avx2: per row up to 32 batch lanes (4 ymm) per pass over the runs.
#include <immintrin.h>

#include "kernels/rcsr_kernels_simd.h"

namespace cnn2mlp {
namespace {
alignas(64) const int32_t kTailMask[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
struct V256 {
  using T = __m256;
  static constexpr int L = 8;
  static T zero() { return _mm256_setzero_ps(); }
  static T load(const float* p) { return _mm256_loadu_ps(p); }
  static T loadPart(const float* p, int n) {
    return _mm256_maskload_ps(p, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kTailMask + 8 - n)));
  }
  static T set1(float f) { return _mm256_set1_ps(f); }
  static T fma(T a, T b, T c) { return _mm256_fmadd_ps(a, b, c); }
  static T add(T a, T b) { return _mm256_add_ps(a, b); }
  static void store(float* p, T v) { _mm256_storeu_ps(p, v); }
  static float hsum(T v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
  }
};
}  // namespace

void f32_spmv_rcsr_4x8__avx2(const RcsrView& m, const float* x, const float* bias, float* y, int64_t r0, int64_t r1) {
  rcsrSpmvImpl<V256>(m, x, bias, y, r0, r1);
}

void f32_spmm_rcsr_1x32__avx2(const RcsrView& m, const float* Xt, int64_t bp, const float* bias, float* Yt, int64_t r0, int64_t r1) {
  rcsrSpmmImpl<V256>(m, Xt, bp, bias, Yt, r0, r1);
}

}  // namespace cnn2mlp
