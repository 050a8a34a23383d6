// AVX-512F run-CSR kernels (16 fp32 lanes). Formulas and layout: rcsr_kernels.h.
//   *_spmv_rcsr_16x1__avx512: a chunk of up to 16 rows at a time: per column one x broadcast and
//     one zmm FMA over the chunk's 16 row values (two accumulators alternating between columns).
//   *_spmm_rcsr_4x64__avx512: 4 rows of a chunk × 64 batch lanes (4 zmm) per pass over the columns.
#include <immintrin.h>

#include "kernels/vec_avx512.h"
#include "kernels/rcsr_kernels_simd.h"

namespace cnn2mlp {
void f32_spmv_rcsr_16x1__avx512(const RcsrView& m, const float* x, const float* bias, float* y, int64_t r0, int64_t r1) {
  rcsrSpmvImpl<V512, float>(m, x, bias, y, r0, r1);
}
void bf16_spmv_rcsr_16x1__avx512(const RcsrView& m, const float* x, const float* bias, float* y, int64_t r0, int64_t r1) {
  rcsrSpmvImpl<V512, uint16_t>(m, x, bias, y, r0, r1);
}
void f32_spmm_rcsr_4x64__avx512(const RcsrView& m, const float* Xt, int64_t bp, const float* bias, float* Yt, int64_t r0, int64_t r1) {
  rcsrSpmmImpl<V512, float, 4>(m, Xt, bp, bias, Yt, r0, r1);
}
void bf16_spmm_rcsr_4x64__avx512(const RcsrView& m, const float* Xt, int64_t bp, const float* bias, float* Yt, int64_t r0, int64_t r1) {
  rcsrSpmmImpl<V512, uint16_t, 4>(m, Xt, bp, bias, Yt, r0, r1);
}
}  // namespace cnn2mlp
