// AVX2 + FMA MLP kernels (8 fp32 lanes). Formulas and layouts: mlp_kernels.h.
//   f32_gemv_dense_6x1__avx2, bf16_gemv_dense_6x1__avx2: 6 rows × 2 ymm accumulators each (12 + 2
//     x vectors fit 16 ymm), W streamed once; 6 rows in flight read DRAM faster than 2 (measured).
//   f32_gemm_dense_6x16__avx2: register tile 6 rows × 16 batch lanes (12 ymm accumulators of 16),
//     K blocks of 1024, next tile's W prefetched; row tails use 1 × 8 tiles.
//   f32_spmv_csr_1x1__avx2: 8 nonzeros per step, a plain load when their columns are consecutive,
//     else a gather; scalar row tail.
//   f32_spmm_csr_1x32__avx2: per row up to 32 batch lanes (4 ymm) per pass over the nonzeros.
//   f32_sum_read_8x8__avx2, f32_fma_peak_15x8__avx2: the probes, 8 accumulators / 15 FMA chains.
// Caller guarantees (mlp_exec.cc): ld % 16 == 0 with zero padding, x readable to ld, bp % 16 == 0.
#include <immintrin.h>

#include "kernels/mlp_kernels.h"
#include "kernels/mlp_kernels_simd.h"
#include "kernels/vec_avx2.h"

namespace cnn2mlp {
void f32_gemv_dense_6x1__avx2(const float* W, int64_t ld, const float* x, const float* bias, float* y, int64_t r0, int64_t r1) {
  gemvImpl<V256, 6, 2>(W, ld, x, bias, y, r0, r1);
}

void f32_gemm_dense_6x16__avx2(const float* W, int64_t ld, int64_t K, const float* Xt, int64_t bp, const float* bias, float* Yt, int64_t r0, int64_t r1) {
  gemmImpl<V256, 6, 2>(W, ld, K, Xt, bp, bias, Yt, r0, r1);
}

// 8 x values for nonzeros j..j+7: a plain load when their columns are consecutive (sorted,
// distinct: last − first == 7), else a gather (same products and order either way).
static inline __m256 xAt(const int32_t* colIdx, const float* x, int64_t j) {
  const int32_t c0 = colIdx[j];
  if (colIdx[j + 7] - c0 == 7) return _mm256_loadu_ps(x + c0);
  return _mm256_i32gather_ps(x, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(colIdx + j)), 4);
}

void f32_spmv_csr_1x1__avx2(const int64_t* rowPtr, const int32_t* colIdx, const float* values, const float* x, const float* bias, float* y, int64_t r0, int64_t r1) {
  for (int64_t r = r0; r < r1; r++) {
    int64_t j = rowPtr[r];
    const int64_t e = rowPtr[r + 1];
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
    for (; j + 16 <= e; j += 16) {
      a0 = _mm256_fmadd_ps(_mm256_loadu_ps(values + j), xAt(colIdx, x, j), a0);
      a1 = _mm256_fmadd_ps(_mm256_loadu_ps(values + j + 8), xAt(colIdx, x, j + 8), a1);
    }
    for (; j + 8 <= e; j += 8) a0 = _mm256_fmadd_ps(_mm256_loadu_ps(values + j), xAt(colIdx, x, j), a0);
    float s = V256::hsum(_mm256_add_ps(a0, a1));
    for (; j < e; j++) s += values[j] * x[colIdx[j]];
    y[r] = s + bias[r];
  }
}

void f32_spmm_csr_1x32__avx2(const int64_t* rowPtr, const int32_t* colIdx, const float* values, const float* Xt, int64_t bp, const float* bias, float* Yt, int64_t r0, int64_t r1) {
  spmmImpl<V256>(rowPtr, colIdx, values, Xt, bp, bias, Yt, r0, r1);
}

double f32_sum_read_8x8__avx2(const float* x, int64_t n) { return sumImpl<V256, 8>(x, n); }
int64_t f32_fma_peak_15x8__avx2(int64_t iters, float* sink) { return fmaImpl<V256, 15>(iters, sink); }

// bf16 weights (bf16_kernels.h): the same bodies, each weight widened in registers.
void bf16_gemv_dense_6x1__avx2(const uint16_t* W, int64_t ld, const float* x, const float* bias, float* y, int64_t r0, int64_t r1) {
  gemvImpl<V256, 6, 2>(W, ld, x, bias, y, r0, r1);
}

void bf16_gemm_dense_6x16__avx2(const uint16_t* W, int64_t ld, int64_t K, const float* Xt, int64_t bp, const float* bias, float* Yt, int64_t r0, int64_t r1) {
  gemmImpl<V256, 6, 2>(W, ld, K, Xt, bp, bias, Yt, r0, r1);
}

}  // namespace cnn2mlp
