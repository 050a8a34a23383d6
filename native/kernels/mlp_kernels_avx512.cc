// AVX-512 MLP kernels (16 fp32 lanes). Formulas and layouts: mlp_kernels.h.
//   f32_gemv_dense_6x1__avx512: 6 rows × 2 ymm accumulators each, W streamed once: the AVX2 body,
//     which streams a matrix larger than the caches 9–15 % faster on Zen 4 than 4 rows × 4 zmm
//     (scripts/bench-bf16.ts: 26.6–27.4 against 23.4–24.0 GB/s on one thread).
//   bf16_gemv_dense_6x1__avx512: 6 rows × 2 zmm accumulators each: half the bytes per row, so
//     more rows in flight (measured faster than 4 × 4 on bf16).
//   f32_gemm_dense_12x32__avx512: register tile 12 rows × 32 batch lanes (24 zmm accumulators),
//     K blocks of 1024, next tile's W prefetched; a 16-lane tile covers bp % 32 == 16; row tails
//     use 1 × 16 tiles.
//   f32_spmv_csr_1x1__avx512: 16 nonzeros per step, a plain load when their columns are
//     consecutive, else a gather; masked gather for the row tail.
//   f32_spmm_csr_1x64__avx512: per row up to 64 batch lanes (4 zmm) per pass over the nonzeros.
//   f32_sum_read_16x16__avx512, f32_fma_peak_24x16__avx512: the probes, 16 accumulators / 24 FMA chains.
// Caller guarantees (mlp_exec.cc): ld % 16 == 0 with zero padding, x readable to ld, bp % 16 == 0.
#include <immintrin.h>

#include "kernels/mlp_kernels.h"
#include "kernels/mlp_kernels_simd.h"
#include "kernels/vec_avx2.h"
#include "kernels/vec_avx512.h"

namespace cnn2mlp {
void f32_gemv_dense_6x1__avx512(const float* W, int64_t ld, const float* x, const float* bias, float* y, int64_t r0, int64_t r1) {
  gemvImpl<V256, 6, 2>(W, ld, x, bias, y, r0, r1);
}

void f32_gemm_dense_12x32__avx512(const float* W, int64_t ld, int64_t K, const float* Xt, int64_t bp, const float* bias, float* Yt, int64_t r0, int64_t r1) {
  gemmImpl<V512, 12, 2>(W, ld, K, Xt, bp, bias, Yt, r0, r1);
}

// 16 x values for nonzeros j..j+15: one plain load when their columns are consecutive (sorted,
// distinct indices: last − first == 15), else a gather. Converted convolutions store runs of
// kw·cin consecutive columns (96 for the seed's conv2), where a gather (~20 cycles per 16 lanes)
// is the bottleneck; the products and their order are the same either way.
static inline __m512 xAt(const int32_t* colIdx, const float* x, int64_t j) {
  const int32_t c0 = colIdx[j];
  if (colIdx[j + 15] - c0 == 15) return _mm512_loadu_ps(x + c0);
  return _mm512_i32gather_ps(_mm512_loadu_si512(colIdx + j), x, 4);
}

void f32_spmv_csr_1x1__avx512(const int64_t* rowPtr, const int32_t* colIdx, const float* values, const float* x, const float* bias, float* y, int64_t r0, int64_t r1) {
  for (int64_t r = r0; r < r1; r++) {
    int64_t j = rowPtr[r];
    const int64_t e = rowPtr[r + 1];
    __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps();
    for (; j + 32 <= e; j += 32) {
      a0 = _mm512_fmadd_ps(_mm512_loadu_ps(values + j), xAt(colIdx, x, j), a0);
      a1 = _mm512_fmadd_ps(_mm512_loadu_ps(values + j + 16), xAt(colIdx, x, j + 16), a1);
    }
    for (; j + 16 <= e; j += 16) a0 = _mm512_fmadd_ps(_mm512_loadu_ps(values + j), xAt(colIdx, x, j), a0);
    if (j < e) {
      // Masked-off lanes neither load nor fault, so reading past the row (or the array) is safe.
      const __mmask16 m = static_cast<__mmask16>((1u << (e - j)) - 1);
      const __m512i i0 = _mm512_maskz_loadu_epi32(m, colIdx + j);
      const __m512 g = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), m, i0, x, 4);
      a1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, values + j), g, a1);
    }
    y[r] = _mm512_reduce_add_ps(_mm512_add_ps(a0, a1)) + bias[r];
  }
}

void f32_spmm_csr_1x64__avx512(const int64_t* rowPtr, const int32_t* colIdx, const float* values, const float* Xt, int64_t bp, const float* bias, float* Yt, int64_t r0, int64_t r1) {
  spmmImpl<V512>(rowPtr, colIdx, values, Xt, bp, bias, Yt, r0, r1);
}

double f32_sum_read_16x16__avx512(const float* x, int64_t n) { return sumImpl<V512, 16>(x, n); }
int64_t f32_fma_peak_24x16__avx512(int64_t iters, float* sink) { return fmaImpl<V512, 24>(iters, sink); }

// bf16 weights (bf16_kernels.h): the same bodies, each weight widened in registers.
void bf16_gemv_dense_6x1__avx512(const uint16_t* W, int64_t ld, const float* x, const float* bias, float* y, int64_t r0, int64_t r1) {
  gemvImpl<V512, 6, 2>(W, ld, x, bias, y, r0, r1);
}

void bf16_gemm_dense_12x32__avx512(const uint16_t* W, int64_t ld, int64_t K, const float* Xt, int64_t bp, const float* bias, float* Yt, int64_t r0, int64_t r1) {
  gemmImpl<V512, 12, 2>(W, ld, K, Xt, bp, bias, Yt, r0, r1);
}

}  // namespace cnn2mlp
