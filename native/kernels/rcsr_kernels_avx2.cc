// AVX2 + FMA run-CSR kernels (8 fp32 lanes). Formulas and layout: rcsr_kernels.h.
//   f32_spmv_rcsr_4x8__avx2: rows sharing a pattern four at a time (one x load, four value
//     streams), each run as whole ymm loads plus one masked tail (vmaskmovps reads nothing past
//     the run).
//   f32_spmm_rcsr_1x32__avx2: per row up to 32 batch lanes (4 ymm) per pass over the runs.
#include <immintrin.h>

#include "kernels/rcsr_kernels_simd.h"
#include "kernels/vec_avx2.h"

namespace cnn2mlp {
void f32_spmv_rcsr_4x8__avx2(const RcsrView& m, const float* x, const float* bias, float* y, int64_t r0, int64_t r1) {
  rcsrSpmvImpl<V256>(m, x, bias, y, r0, r1);
}

void f32_spmm_rcsr_1x32__avx2(const RcsrView& m, const float* Xt, int64_t bp, const float* bias, float* Yt, int64_t r0, int64_t r1) {
  rcsrSpmmImpl<V256>(m, Xt, bp, bias, Yt, r0, r1);
}

}  // namespace cnn2mlp
