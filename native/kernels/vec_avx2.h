// The 8-lane fp32 vector the AVX2 + FMA kernels are written against (mlp_kernels_simd.h,
// rcsr_kernels_simd.h). Include only from a translation unit compiled with
// -mavx2 -mfma; each includer gets its own copy (anonymous namespace).
#pragma once
#include <immintrin.h>

#include <cstdint>

namespace cnn2mlp {
namespace {
alignas(64) const int32_t kTailMask[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};

struct V256 {
  using T = __m256;
  static constexpr int L = 8;
  static T zero() { return _mm256_setzero_ps(); }
  static T load(const float* p) { return _mm256_loadu_ps(p); }
  // The first n (0..8) lanes; vmaskmovps reads nothing past them.
  static T loadPart(const float* p, int n) {
    return _mm256_maskload_ps(p, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kTailMask + 8 - n)));
  }
  // 8 bf16 values widened exactly to fp32 (a bf16 is the top half of an fp32).
  static T loadBf16(const uint16_t* p) { return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))), 16)); }
  // 16 bf16 values as two exact fp32 vectors: the even- and the odd-indexed ones (one load, a
  // shift and a mask: cheaper than two widening loads). splitPairs(x) splits 16 floats alike.
  static void loadBf16Split(const uint16_t* p, T& even, T& odd) {
    const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
    even = _mm256_castsi256_ps(_mm256_slli_epi32(v, 16));
    odd = _mm256_castsi256_ps(_mm256_and_si256(v, _mm256_set1_epi32(int(0xFFFF0000u))));
  }
  static void splitPairs(const float* p, T& even, T& odd) {
    const T a = _mm256_loadu_ps(p), b = _mm256_loadu_ps(p + 8);
    const T lo = _mm256_permute2f128_ps(a, b, 0x20), hi = _mm256_permute2f128_ps(a, b, 0x31);  // x0-3 x8-11, x4-7 x12-15
    even = _mm256_shuffle_ps(lo, hi, 0x88);
    odd = _mm256_shuffle_ps(lo, hi, 0xDD);
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
}  // namespace cnn2mlp
