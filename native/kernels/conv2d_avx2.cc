// f32_conv2d_nhwc_6x16__avx2: direct strided NHWC convolution, AVX2 + FMA (ymm, 8 lanes).
// Tile: up to 6 output pixels × 1 block of 16 output channels (2 ymm) = 12 accumulators + 2 weight
// vectors + 1 broadcast = 15 of the 16 ymm registers (AVX2 has no embedded broadcast).
// f32_dwconv2d_nhwc_1x32__avx2: depthwise (multiplier 1), 32 channels per pixel step.
// f32_gconv2d_nhwc_1x8__avx2: few channels per group: 8 output channels per step, input gathered.
// Formula, layouts and the caller's guarantees: conv2d.h; the tiling code: conv2d_direct.inl.
#include <immintrin.h>

#include "kernels/conv2d.h"

namespace cnn2mlp {
namespace avx2conv {
struct V {
  using R = __m256;
  static constexpr int L = 8;
  static __m256i mask(int n) { return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)); }
  static R zero() { return _mm256_setzero_ps(); }
  static R set1(float x) { return _mm256_set1_ps(x); }
  static R bcast(float x) { return _mm256_set1_ps(x); }
  static R load(const float* p) { return _mm256_load_ps(p); }
  static R loadu(const float* p) { return _mm256_loadu_ps(p); }
  static R loadPartial(const float* p, int n) { return _mm256_maskload_ps(p, mask(n)); }
  static void storeu(float* p, R v) { _mm256_storeu_ps(p, v); }
  static void storePartial(float* p, R v, int n) { _mm256_maskstore_ps(p, mask(n), v); }
  static R fma(R a, R b, R c) { return _mm256_fmadd_ps(a, b, c); }
  static R add(R a, R b) { return _mm256_add_ps(a, b); }
  static R mul(R a, R b) { return _mm256_mul_ps(a, b); }
  static R max(R a, R b) { return _mm256_max_ps(a, b); }
  static R min(R a, R b) { return _mm256_min_ps(a, b); }
  static __m256i loadIndex(const int32_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }
  static R gather(const float* base, __m256i idx) { return _mm256_i32gather_ps(base, idx, 4); }
};
constexpr int kMaxNb = 1;
constexpr int RwFor(int) { return 6; }
}  // namespace avx2conv
}  // namespace cnn2mlp

#define CONV_NS avx2conv
#include "kernels/conv2d_direct.inl"
#undef CONV_NS

namespace cnn2mlp {
void f32_conv2d_nhwc_6x16__avx2(const ConvDesc& d, const float* in, float* out, int64_t p0, int64_t p1, int64_t u0, int64_t u1) { avx2conv::convPixels(d, in, out, p0, p1, u0, u1); }
void f32_dwconv2d_nhwc_1x32__avx2(const ConvDesc& d, const float* in, float* out, int64_t p0, int64_t p1, int64_t u0, int64_t u1) { avx2conv::dwPixels(d, in, out, p0, p1, u0, u1); }
void f32_gconv2d_nhwc_1x8__avx2(const ConvDesc& d, const float* in, float* out, int64_t p0, int64_t p1, int64_t u0, int64_t u1) { avx2conv::groupedPixels(d, in, out, p0, p1, u0, u1); }
}  // namespace cnn2mlp
