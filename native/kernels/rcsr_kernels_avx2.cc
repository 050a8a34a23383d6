// AVX2 + FMA run-CSR kernels (8 fp32 lanes). Formulas and layout: rcsr_kernels.h.
//   *_spmv_rcsr_16x1__avx2: a chunk of up to 16 rows at a time: per column one x broadcast and two
//     ymm FMAs over the chunk's 16 row values (two accumulator sets).
//   *_spmm_rcsr_4x16__avx2: 4 rows of a chunk × 16 batch lanes (2 ymm) per pass over the columns.
#include <immintrin.h>

#include "kernels/vec_avx2.h"
#include "kernels/rcsr_kernels_simd.h"

namespace cnn2mlp {
void f32_spmv_rcsr_16x1__avx2(const RcsrView& m, const float* x, const float* bias, float* y, int64_t r0, int64_t r1) {
  rcsrSpmvImpl<V256, float>(m, x, bias, y, r0, r1);
}
void bf16_spmv_rcsr_16x1__avx2(const RcsrView& m, const float* x, const float* bias, float* y, int64_t r0, int64_t r1) {
  rcsrSpmvImpl<V256, uint16_t>(m, x, bias, y, r0, r1);
}
void f32_spmm_rcsr_4x16__avx2(const RcsrView& m, const float* Xt, int64_t bp, const float* bias, float* Yt, int64_t r0, int64_t r1) {
  rcsrSpmmImpl<V256, float, 2>(m, Xt, bp, bias, Yt, r0, r1);
}
void bf16_spmm_rcsr_4x16__avx2(const RcsrView& m, const float* Xt, int64_t bp, const float* bias, float* Yt, int64_t r0, int64_t r1) {
  rcsrSpmmImpl<V256, uint16_t, 2>(m, Xt, bp, bias, Yt, r0, r1);
}
}  // namespace cnn2mlp
