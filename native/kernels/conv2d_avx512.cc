// f32_conv2d_nhwc_6x64__avx512: direct strided NHWC convolution, AVX-512F (zmm, 16 lanes).
// Tile: up to 6 output pixels × 4 blocks of 16 output channels = 24 zmm accumulators + 4 weight
// vectors; the input broadcast folds into the FMA ({1to16} memory operand). With fewer blocks per
// group the tile widens along W (3 blocks: 7 px, 2: 12 px, 1: 14 px) to keep ~24 accumulators.
// f32_dwconv2d_nhwc_1x64__avx512: depthwise (multiplier 1), 64 channels per pixel step.
// f32_gconv2d_nhwc_1x16__avx512: few channels per group: 16 output channels per step, input gathered.
// Formula, layouts and the caller's guarantees: conv2d.h; the tiling code: conv2d_direct.inl.
// GCC 12 warns about _mm512_undefined_ps inside its own intrinsics headers; harmless.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include "kernels/conv2d.h"

namespace cnn2mlp {
namespace avx512conv {
struct V {
  using R = __m512;
  static constexpr int L = 16;
  static R zero() { return _mm512_setzero_ps(); }
  static R set1(float x) { return _mm512_set1_ps(x); }
  static R bcast(float x) { return _mm512_set1_ps(x); }
  static R load(const float* p) { return _mm512_load_ps(p); }
  static R loadu(const float* p) { return _mm512_loadu_ps(p); }
  static R loadPartial(const float* p, int n) { return _mm512_maskz_loadu_ps(__mmask16((1u << n) - 1), p); }
  static void storeu(float* p, R v) { _mm512_storeu_ps(p, v); }
  static void storePartial(float* p, R v, int n) { _mm512_mask_storeu_ps(p, __mmask16((1u << n) - 1), v); }
  static R fma(R a, R b, R c) { return _mm512_fmadd_ps(a, b, c); }
  static R add(R a, R b) { return _mm512_add_ps(a, b); }
  static R mul(R a, R b) { return _mm512_mul_ps(a, b); }
  static R max(R a, R b) { return _mm512_max_ps(a, b); }
  static R min(R a, R b) { return _mm512_min_ps(a, b); }
  static __m512i loadIndex(const int32_t* p) { return _mm512_loadu_si512(p); }
  static R gather(const float* base, __m512i idx) { return _mm512_i32gather_ps(idx, base, 4); }
};
constexpr int kMaxNb = 4;
constexpr int RwFor(int nb) { return nb >= 4 ? 6 : nb == 3 ? 7 : nb == 2 ? 12 : 14; }
}  // namespace avx512conv
}  // namespace cnn2mlp

#define CONV_NS avx512conv
#include "kernels/conv2d_direct.inl"
#undef CONV_NS

namespace cnn2mlp {
void f32_conv2d_nhwc_6x64__avx512(const ConvDesc& d, const float* in, float* out, int64_t p0, int64_t p1, int64_t u0, int64_t u1) { avx512conv::convPixels(d, in, out, p0, p1, u0, u1); }
void f32_dwconv2d_nhwc_1x64__avx512(const ConvDesc& d, const float* in, float* out, int64_t p0, int64_t p1, int64_t u0, int64_t u1) { avx512conv::dwPixels(d, in, out, p0, p1, u0, u1); }
void f32_gconv2d_nhwc_1x16__avx512(const ConvDesc& d, const float* in, float* out, int64_t p0, int64_t p1, int64_t u0, int64_t u1) { avx512conv::groupedPixels(d, in, out, p0, p1, u0, u1); }
}  // namespace cnn2mlp
