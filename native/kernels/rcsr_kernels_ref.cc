// Naive run-CSR kernels (the oracle and the scalar path): rcsr_kernels.h's formulas as plain
// loops, accumulating in column order in float.
#include "kernels/rcsr_kernels.h"

namespace cnn2mlp {

void f32_spmv_rcsr_1x1__ref(const RcsrView& m, const float* x, const float* bias, float* y, int64_t r0, int64_t r1) {
  for (int64_t r = r0; r < r1; r++) {
    const float* v = m.values + m.rowPtr[r];
    const int32_t p = m.rowPat[r];
    float s = 0.f;
    for (int32_t q = m.patPtr[p]; q < m.patPtr[p + 1]; q++) {
      const int32_t start = m.runs[2 * q], n = m.runs[2 * q + 1];
      for (int32_t i = 0; i < n; i++) s += v[i] * x[start + i];
      v += n;
    }
    y[r] = s + bias[r];
  }
}

void f32_spmm_rcsr_1x1__ref(const RcsrView& m, const float* Xt, int64_t bp, const float* bias, float* Yt, int64_t r0, int64_t r1) {
  for (int64_t r = r0; r < r1; r++) {
    float* y = Yt + r * bp;
    for (int64_t b = 0; b < bp; b++) y[b] = 0.f;
    const float* v = m.values + m.rowPtr[r];
    const int32_t p = m.rowPat[r];
    for (int32_t q = m.patPtr[p]; q < m.patPtr[p + 1]; q++) {
      const int32_t start = m.runs[2 * q], n = m.runs[2 * q + 1];
      for (int32_t i = 0; i < n; i++) {
        const float* xk = Xt + int64_t(start + i) * bp;
        for (int64_t b = 0; b < bp; b++) y[b] += v[i] * xk[b];
      }
      v += n;
    }
    for (int64_t b = 0; b < bp; b++) y[b] += bias[r];
  }
}

}  // namespace cnn2mlp
