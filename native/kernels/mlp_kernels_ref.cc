// Naive reference kernels (the oracle, and the scalar dispatch path): the formulas of
// mlp_kernels.h written as plain loops, accumulating in row order k = 0, 1, 2, ... in float.
// Layouts and caller guarantees as in mlp_kernels.h; the bf16 ones (bf16_kernels.h) too.
#include "kernels/bf16_kernels.h"
#include "kernels/mlp_kernels.h"

namespace cnn2mlp {

namespace {

// The dense references, on fp32 or bf16 (uint16_t) weights: each weight is widened exactly first
// (widenWeight), so a bf16 reference computes the fp32 reference's formula on the widened weights.
template <class W>
void gemvRef(const W* Wm, int64_t ld, const float* x, const float* bias, float* y, int64_t r0, int64_t r1) {
  for (int64_t r = r0; r < r1; r++) {
    const W* w = Wm + r * ld;
    float s = 0.f;
    for (int64_t k = 0; k < ld; k++) s += widenWeight(w[k]) * x[k];
    y[r] = s + bias[r];
  }
}

template <class W>
void gemmRef(const W* Wm, int64_t ld, int64_t K, const float* Xt, int64_t bp, const float* bias, float* Yt, int64_t r0, int64_t r1) {
  for (int64_t r = r0; r < r1; r++) {
    float* y = Yt + r * bp;
    for (int64_t b = 0; b < bp; b++) y[b] = 0.f;
    for (int64_t k = 0; k < K; k++) {
      const float w = widenWeight(Wm[r * ld + k]);
      const float* xk = Xt + k * bp;
      for (int64_t b = 0; b < bp; b++) y[b] += w * xk[b];
    }
    for (int64_t b = 0; b < bp; b++) y[b] += bias[r];
  }
}

}  // namespace

void f32_gemv_dense_1x1__ref(const float* W, int64_t ld, const float* x, const float* bias, float* y, int64_t r0, int64_t r1) {
  gemvRef(W, ld, x, bias, y, r0, r1);
}
void bf16_gemv_dense_1x1__ref(const uint16_t* W, int64_t ld, const float* x, const float* bias, float* y, int64_t r0, int64_t r1) {
  gemvRef(W, ld, x, bias, y, r0, r1);
}

void f32_gemm_dense_1x1__ref(const float* W, int64_t ld, int64_t K, const float* Xt, int64_t bp, const float* bias, float* Yt, int64_t r0, int64_t r1) {
  gemmRef(W, ld, K, Xt, bp, bias, Yt, r0, r1);
}
void bf16_gemm_dense_1x1__ref(const uint16_t* W, int64_t ld, int64_t K, const float* Xt, int64_t bp, const float* bias, float* Yt, int64_t r0, int64_t r1) {
  gemmRef(W, ld, K, Xt, bp, bias, Yt, r0, r1);
}

void f32_spmv_csr_1x1__ref(const int64_t* rowPtr, const int32_t* colIdx, const float* values, const float* x, const float* bias, float* y, int64_t r0, int64_t r1) {
  for (int64_t r = r0; r < r1; r++) {
    float s = 0.f;
    for (int64_t j = rowPtr[r]; j < rowPtr[r + 1]; j++) s += values[j] * x[colIdx[j]];
    y[r] = s + bias[r];
  }
}

void f32_spmm_csr_1x1__ref(const int64_t* rowPtr, const int32_t* colIdx, const float* values, const float* Xt, int64_t bp, const float* bias, float* Yt, int64_t r0, int64_t r1) {
  for (int64_t r = r0; r < r1; r++) {
    float* y = Yt + r * bp;
    for (int64_t b = 0; b < bp; b++) y[b] = 0.f;
    for (int64_t j = rowPtr[r]; j < rowPtr[r + 1]; j++) {
      const float v = values[j];
      const float* xk = Xt + int64_t(colIdx[j]) * bp;
      for (int64_t b = 0; b < bp; b++) y[b] += v * xk[b];
    }
    for (int64_t b = 0; b < bp; b++) y[b] += bias[r];
  }
}

double f32_sum_read_4x1__ref(const float* x, int64_t n) {
  float s[4] = {0, 0, 0, 0};
  for (int64_t i = 0; i < n; i += 4)
    for (int j = 0; j < 4; j++) s[j] += x[i + j];
  return double(s[0]) + s[1] + s[2] + s[3];
}

int64_t f32_fma_peak_4x1__ref(int64_t iters, float* sink) {
  float a[4] = {1.f, 1.1f, 1.2f, 1.3f};
  const float m = 0.9999999f, c = 1e-7f;
  for (int64_t i = 0; i < iters; i++)
    for (int j = 0; j < 4; j++) a[j] = a[j] * m + c;
  *sink = a[0] + a[1] + a[2] + a[3];
  return iters * 4;
}

}  // namespace cnn2mlp
