// AVX-512F run-CSR kernels (16 fp32 lanes). Formulas and layout: rcsr_kernels.h.
//   f32_spmv_rcsr_4x16__avx512: rows sharing a pattern four at a time (one x load, four value
//     streams), each run as whole zmm loads plus one zero-masked tail (masked lanes never read).
//   f32_spmm_rcsr_1x64__avx512: per row up to 64 batch lanes (4 zmm) per pass over the runs.
#include <immintrin.h>

#include "kernels/rcsr_kernels_simd.h"
#include "kernels/vec_avx512.h"

namespace cnn2mlp {
void f32_spmv_rcsr_4x16__avx512(const RcsrView& m, const float* x, const float* bias, float* y, int64_t r0, int64_t r1) {
  rcsrSpmvImpl<V512>(m, x, bias, y, r0, r1);
}

void f32_spmm_rcsr_1x64__avx512(const RcsrView& m, const float* Xt, int64_t bp, const float* bias, float* Yt, int64_t r0, int64_t r1) {
  rcsrSpmmImpl<V512>(m, Xt, bp, bias, Yt, r0, r1);
}

}  // namespace cnn2mlp
