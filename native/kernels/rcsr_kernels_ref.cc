// Naive run-CSR kernels (the oracle and the scalar path): rcsr_kernels.h's formulas as plain
// loops over each row's values (stride b inside its chunk), accumulating in column order in float.
#include "kernels/bf16_kernels.h"
#include "kernels/rcsr_kernels.h"

namespace cnn2mlp {
namespace {

// Calls row(r, v, stride) for every row r in [r0, r1): its values at v[0], v[stride], …
template <class W, class Fn>
void forEachRow(const RcsrView& m, const W* values, int64_t r0, int64_t r1, Fn&& row) {
  forEachRcsrChunk(m.rowPat, m.rows, r0, r1, [&](int64_t c0, int64_t c1) {
    for (int64_t r = c0 > r0 ? c0 : r0; r < c1 && r < r1; r++) row(r, values + m.rowPtr[c0] + (r - c0), c1 - c0);
  });
}

template <class W>
void spmvRef(const RcsrView& m, const W* values, const float* x, const float* bias, float* y, int64_t r0, int64_t r1) {
  forEachRow(m, values, r0, r1, [&](int64_t r, const W* v, int64_t stride) {
    const int32_t p = m.rowPat[r];
    float s = 0.f;
    for (int32_t q = m.patPtr[p]; q < m.patPtr[p + 1]; q++) {
      const int32_t start = m.runs[2 * q], n = m.runs[2 * q + 1];
      for (int32_t i = 0; i < n; i++, v += stride) s += widenWeight(*v) * x[start + i];
    }
    y[r] = s + bias[r];
  });
}

template <class W>
void spmmRef(const RcsrView& m, const W* values, const float* Xt, int64_t bp, const float* bias, float* Yt, int64_t r0, int64_t r1) {
  forEachRow(m, values, r0, r1, [&](int64_t r, const W* v, int64_t stride) {
    float* y = Yt + r * bp;
    for (int64_t b = 0; b < bp; b++) y[b] = 0.f;
    const int32_t p = m.rowPat[r];
    for (int32_t q = m.patPtr[p]; q < m.patPtr[p + 1]; q++) {
      const int32_t start = m.runs[2 * q], n = m.runs[2 * q + 1];
      for (int32_t i = 0; i < n; i++, v += stride) {
        const float w = widenWeight(*v);
        const float* xk = Xt + int64_t(start + i) * bp;
        for (int64_t b = 0; b < bp; b++) y[b] += w * xk[b];
      }
    }
    for (int64_t b = 0; b < bp; b++) y[b] += bias[r];
  });
}

}  // namespace

void f32_spmv_rcsr_1x1__ref(const RcsrView& m, const float* x, const float* bias, float* y, int64_t r0, int64_t r1) { spmvRef(m, m.values, x, bias, y, r0, r1); }
void bf16_spmv_rcsr_1x1__ref(const RcsrView& m, const float* x, const float* bias, float* y, int64_t r0, int64_t r1) { spmvRef(m, m.values16, x, bias, y, r0, r1); }
void f32_spmm_rcsr_1x1__ref(const RcsrView& m, const float* Xt, int64_t bp, const float* bias, float* Yt, int64_t r0, int64_t r1) {
  spmmRef(m, m.values, Xt, bp, bias, Yt, r0, r1);
}
void bf16_spmm_rcsr_1x1__ref(const RcsrView& m, const float* Xt, int64_t bp, const float* bias, float* Yt, int64_t r0, int64_t r1) {
  spmmRef(m, m.values16, Xt, bp, bias, Yt, r0, r1);
}

}  // namespace cnn2mlp
