// The 16-lane fp32 vector the AVX-512F kernels are written against (mlp_kernels_simd.h,
// rcsr_kernels_simd.h). Include only from a translation unit compiled with
// the AVX-512 flags; each includer gets its own copy (anonymous namespace).
#pragma once
// GCC 12 warns spuriously about _mm512_undefined_ps inside its own reduce intrinsics.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include <cstdint>

namespace cnn2mlp {
namespace {
struct V512 {
  using T = __m512;
  static constexpr int L = 16;
  static T zero() { return _mm512_setzero_ps(); }
  static T load(const float* p) { return _mm512_loadu_ps(p); }
  // The first n (0..16) lanes, zero-masked: masked lanes are never read.
  static T loadPart(const float* p, int n) { return _mm512_maskz_loadu_ps(__mmask16((1u << n) - 1), p); }
  // 16 bf16 values widened exactly to fp32 (a bf16 is the top half of an fp32).
  static T loadBf16(const uint16_t* p) { return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p))), 16)); }
  // 32 bf16 values as two exact fp32 vectors: the even- and the odd-indexed ones (one load, a
  // shift and a mask: cheaper than two widening loads). splitPairs(x) splits 32 floats alike.
  static void loadBf16Split(const uint16_t* p, T& even, T& odd) {
    const __m512i v = _mm512_loadu_si512(p);
    even = _mm512_castsi512_ps(_mm512_slli_epi32(v, 16));
    odd = _mm512_castsi512_ps(_mm512_and_si512(v, _mm512_set1_epi32(int(0xFFFF0000u))));
  }
  static void splitPairs(const float* p, T& even, T& odd) {
    const __m512i ie = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i io = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
    const T a = _mm512_loadu_ps(p), b = _mm512_loadu_ps(p + 16);
    even = _mm512_permutex2var_ps(a, ie, b);
    odd = _mm512_permutex2var_ps(a, io, b);
  }
  static T set1(float f) { return _mm512_set1_ps(f); }
  static T fma(T a, T b, T c) { return _mm512_fmadd_ps(a, b, c); }
  static T add(T a, T b) { return _mm512_add_ps(a, b); }
  static void store(float* p, T v) { _mm512_storeu_ps(p, v); }
  static float hsum(T v) { return _mm512_reduce_add_ps(v); }
};
}  // namespace
}  // namespace cnn2mlp
