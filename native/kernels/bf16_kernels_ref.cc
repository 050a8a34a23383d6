// Naive bf16-weight reference kernels: the fp32 references with each weight widened first.
#include "kernels/bf16_kernels.h"

namespace cnn2mlp {

void bf16_gemv_dense_1x1__ref(const uint16_t* W, int64_t ld, const float* x, const float* bias, float* y, int64_t r0, int64_t r1) {
  for (int64_t r = r0; r < r1; r++) {
    const uint16_t* w = W + r * ld;
    float s = 0.f;
    for (int64_t k = 0; k < ld; k++) s += bf16ToFloat(w[k]) * x[k];
    y[r] = s + bias[r];
  }
}

void bf16_gemm_dense_1x1__ref(const uint16_t* W, int64_t ld, int64_t K, const float* Xt, int64_t bp, const float* bias, float* Yt, int64_t r0, int64_t r1) {
  for (int64_t r = r0; r < r1; r++) {
    float* y = Yt + r * bp;
    for (int64_t b = 0; b < bp; b++) y[b] = 0.f;
    for (int64_t k = 0; k < K; k++) {
      const float w = bf16ToFloat(W[r * ld + k]);
      const float* xk = Xt + k * bp;
      for (int64_t b = 0; b < bp; b++) y[b] += w * xk[b];
    }
    for (int64_t b = 0; b < bp; b++) y[b] += bias[r];
  }
}

}  // namespace cnn2mlp
