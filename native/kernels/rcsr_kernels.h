// Run-CSR ("rcsr") SpMV/SpMM kernels (registered in kernels/registry.cc). Run-CSR stores a sparse
// matrix whose rows are a few runs of consecutive columns (a converted convolution: kh runs of
// kw·cin columns per row) without a column index per nonzero: each row names a pattern, a pattern
// is a list of runs (first column, length), and the row's values follow its runs in order.
// Layout (docs/run-csr.md; runtime/mlp.h checks it with checkRcsr):
//   rowPtr  int64 [rows + 1]  value offset of each row (as CSR)
//   rowPat  int32 [rows]      the row's pattern
//   patPtr  int32 [P + 1]     run offset of each pattern
//   runs    int32 [2·R]       (start column, length) per run; runs of a pattern ascend and do not
//                             overlap, lengths > 0; Σ lengths of a row's pattern = its value count
//   values  float [nnz]
// Kernels compute a row range [r0, r1) like the CSR kernels (mlp_kernels.h): y = W·x + bias.
// x for SpMV is readable over [0, cols); Xt/Yt for SpMM are the feature-major panels of
// mlp_kernels.h (bp % 16 == 0). Kernels never allocate, never throw, never touch N-API.
#pragma once
#include <cstdint>

namespace cnn2mlp {

struct RcsrView {
  const int64_t* rowPtr;
  const int32_t* rowPat;
  const int32_t* patPtr;
  const int32_t* runs;
  const float* values;
};

// y[r] = Σ_{runs (s, n) of row r} Σ_{i<n} v[i] · x[s + i] + bias[r] (v: the row's values in run order).
using RcsrSpmvFn = void (*)(const RcsrView& m, const float* x, const float* bias, float* y, int64_t r0, int64_t r1);
// Yt[r*bp + b] = the same sum over Xt[(s + i)*bp + b], every lane b < bp.
using RcsrSpmmFn = void (*)(const RcsrView& m, const float* Xt, int64_t bp, const float* bias, float* Yt, int64_t r0, int64_t r1);

void f32_spmv_rcsr_1x1__ref(const RcsrView&, const float*, const float*, float*, int64_t, int64_t);
void f32_spmv_rcsr_4x8__avx2(const RcsrView&, const float*, const float*, float*, int64_t, int64_t);
void f32_spmv_rcsr_4x16__avx512(const RcsrView&, const float*, const float*, float*, int64_t, int64_t);
void f32_spmm_rcsr_1x1__ref(const RcsrView&, const float*, int64_t, const float*, float*, int64_t, int64_t);
void f32_spmm_rcsr_1x32__avx2(const RcsrView&, const float*, int64_t, const float*, float*, int64_t, int64_t);
void f32_spmm_rcsr_1x64__avx512(const RcsrView&, const float*, int64_t, const float*, float*, int64_t, int64_t);

}  // namespace cnn2mlp
