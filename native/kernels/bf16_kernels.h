// Dense layer kernels with bf16 weights: W holds the upper 16 bits of fp32 values (bfloat16,
// rounded to nearest even when stored: roundToBf16), widened exactly to fp32 in registers; x,
// bias, accumulation and outputs stay fp32. So a bf16 kernel computes exactly what the fp32 kernel
// of mlp_kernels.h computes on the widened weights: only the stored weights are rounded, never x.
// Layouts and caller guarantees as in mlp_kernels.h (ld counts bf16 elements, ld % 16 == 0).
#pragma once
#include <cstdint>
#include <cstring>

namespace cnn2mlp {

using Bf16GemvFn = void (*)(const uint16_t* W, int64_t ld, const float* x, const float* bias, float* y, int64_t r0, int64_t r1);
using Bf16GemmFn = void (*)(const uint16_t* W, int64_t ld, int64_t K, const float* Xt, int64_t bp, const float* bias, float* Yt, int64_t r0, int64_t r1);

// fp32 → bf16, round to nearest, ties to even. Finite values beyond the bf16 range clamp to the
// largest finite bf16 of their sign (weights are finite, so they stay finite).
inline uint16_t roundToBf16(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  const uint32_t r = (u + 0x7FFFu + ((u >> 16) & 1u)) >> 16;
  if ((r & 0x7F80u) == 0x7F80u && (u & 0x7F800000u) != 0x7F800000u) return uint16_t((u >> 16 & 0x8000u) | 0x7F7Fu);
  return uint16_t(r);
}
inline float bf16ToFloat(uint16_t h) {
  const uint32_t u = uint32_t(h) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}
// A stored weight as fp32: fp32 as is, bf16 widened exactly. Kernel bodies templated on the weight
// type (float or uint16_t bf16) read every scalar weight through this, so one body serves both.
inline float widenWeight(float w) { return w; }
inline float widenWeight(uint16_t w) { return bf16ToFloat(w); }

void bf16_gemv_dense_1x1__ref(const uint16_t*, int64_t, const float*, const float*, float*, int64_t, int64_t);
void bf16_gemv_dense_6x1__avx2(const uint16_t*, int64_t, const float*, const float*, float*, int64_t, int64_t);
void bf16_gemv_dense_6x1__avx512(const uint16_t*, int64_t, const float*, const float*, float*, int64_t, int64_t);
void bf16_gemm_dense_1x1__ref(const uint16_t*, int64_t, int64_t, const float*, int64_t, const float*, float*, int64_t, int64_t);
void bf16_gemm_dense_6x16__avx2(const uint16_t*, int64_t, int64_t, const float*, int64_t, const float*, float*, int64_t, int64_t);
void bf16_gemm_dense_12x32__avx512(const uint16_t*, int64_t, int64_t, const float*, int64_t, const float*, float*, int64_t, int64_t);

}  // namespace cnn2mlp
