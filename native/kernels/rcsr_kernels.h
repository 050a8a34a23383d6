// Run-CSR ("rcsr") SpMV/SpMM kernels (registered in kernels/registry.cc). Run-CSR stores a sparse
// matrix whose rows are a few runs of consecutive columns (a converted convolution: kh runs of
// kw·cin columns per row) without a column index per nonzero: each row names a pattern, a pattern
// is a list of runs (first column, length). Layout (docs/run-csr.md; checkRcsr in runtime/mlp.h):
//   rowPtr  int64 [rows + 1]  value offset of each row (as CSR)
//   rowPat  int32 [rows]      the row's pattern
//   patPtr  int32 [P + 1]     run offset of each pattern
//   runs    int32 [2·R]       (start column, length) per run; runs of a pattern ascend and do not
//                             overlap, lengths > 0; Σ lengths of a row's pattern = its value count
//   values  [nnz]             fp32 (f32 kernels) or bf16 (bf16 kernels), chunk-interleaved:
// Rows fall into value chunks: maximal runs of consecutive rows with the same rowPat, cut every
// kRcsrChunk rows from the run's first row. A chunk of b rows c0 … c0+b−1 with n values each keeps
// its values column-major at rowPtr[c0]: value i of row c0+j is values[rowPtr[c0] + i·b + j]
// (rowPtr stays the CSR row offsets, as every row of a chunk holds n values).
// Kernels compute a row range [r0, r1) like the CSR kernels (mlp_kernels.h): y = W·x + bias; a chunk
// cut by r0 or r1 is read whole, only rows in range are written. x for SpMV is readable over
// [0, cols); Xt/Yt for SpMM are the feature-major panels of mlp_kernels.h (bp % 16 == 0). bf16
// values widen exactly to fp32 (bf16_kernels.h); x and the accumulation stay fp32. Kernels never
// allocate, never throw, never touch N-API.
#pragma once
#include <cstdint>
#include <utility>

namespace cnn2mlp {

struct RcsrView {
  int64_t rows;  // rows of the whole matrix (a chunk may reach past a call's range)
  const int64_t* rowPtr;
  const int32_t* rowPat;
  const int32_t* patPtr;
  const int32_t* runs;
  const float* values;  // f32 kernels
  const uint16_t* values16;  // bf16 kernels
};

// Rows per value chunk (the chunking rule above).
constexpr int64_t kRcsrChunk = 16;
// First row of the chunk holding row r: back to the first row of r's run of equal rowPat, then
// whole chunks forward.
inline int64_t rcsrChunkStart(const int32_t* rowPat, int64_t r) {
  int64_t s = r;
  while (s > 0 && rowPat[s - 1] == rowPat[r]) s--;
  return s + (r - s) / kRcsrChunk * kRcsrChunk;
}
// One past the last row of the chunk starting at c0.
inline int64_t rcsrChunkEnd(const int32_t* rowPat, int64_t rows, int64_t c0) {
  int64_t c1 = c0 + 1;
  while (c1 < rows && c1 < c0 + kRcsrChunk && rowPat[c1] == rowPat[c0]) c1++;
  return c1;
}
// Calls fn(c0, c1) for every chunk meeting rows [r0, r1), in order (c0 may be < r0, c1 > r1).
template <class Fn>
inline void forEachRcsrChunk(const int32_t* rowPat, int64_t rows, int64_t r0, int64_t r1, Fn&& fn) {
  for (int64_t c0 = r0 < r1 ? rcsrChunkStart(rowPat, r0) : r1; c0 < r1;) {
    const int64_t c1 = rcsrChunkEnd(rowPat, rows, c0);
    fn(c0, c1);
    c0 = c1;
  }
}

// Where each row's values lie, for rows visited in increasing order: row(r) = {slot of its first
// value, stride between its values}.
struct RcsrRowSlots {
  int64_t rows;
  const int64_t* rowPtr;
  const int32_t* rowPat;
  int64_t c0 = 0, c1 = 0;  // the current chunk
  std::pair<int64_t, int64_t> row(int64_t r) {
    if (r >= c1 || r < c0) {
      c0 = r == c1 && c1 > c0 ? c1 : rcsrChunkStart(rowPat, r);
      c1 = rcsrChunkEnd(rowPat, rows, c0);
    }
    return {rowPtr[c0] + (r - c0), c1 - c0};
  }
};

// y[r] = Σ_{runs (s, n) of row r} Σ_{i<n} v[i] · x[s + i] + bias[r] (v: the row's values in run order).
using RcsrSpmvFn = void (*)(const RcsrView& m, const float* x, const float* bias, float* y, int64_t r0, int64_t r1);
// Yt[r*bp + b] = the same sum over Xt[(s + i)*bp + b], every lane b < bp.
using RcsrSpmmFn = void (*)(const RcsrView& m, const float* Xt, int64_t bp, const float* bias, float* Yt, int64_t r0, int64_t r1);

void f32_spmv_rcsr_1x1__ref(const RcsrView&, const float*, const float*, float*, int64_t, int64_t);
void f32_spmv_rcsr_16x1__avx2(const RcsrView&, const float*, const float*, float*, int64_t, int64_t);
void f32_spmv_rcsr_16x1__avx512(const RcsrView&, const float*, const float*, float*, int64_t, int64_t);
void f32_spmm_rcsr_1x1__ref(const RcsrView&, const float*, int64_t, const float*, float*, int64_t, int64_t);
void f32_spmm_rcsr_4x16__avx2(const RcsrView&, const float*, int64_t, const float*, float*, int64_t, int64_t);
void f32_spmm_rcsr_4x64__avx512(const RcsrView&, const float*, int64_t, const float*, float*, int64_t, int64_t);

void bf16_spmv_rcsr_1x1__ref(const RcsrView&, const float*, const float*, float*, int64_t, int64_t);
void bf16_spmv_rcsr_16x1__avx2(const RcsrView&, const float*, const float*, float*, int64_t, int64_t);
void bf16_spmv_rcsr_16x1__avx512(const RcsrView&, const float*, const float*, float*, int64_t, int64_t);
void bf16_spmm_rcsr_1x1__ref(const RcsrView&, const float*, int64_t, const float*, float*, int64_t, int64_t);
void bf16_spmm_rcsr_4x16__avx2(const RcsrView&, const float*, int64_t, const float*, float*, int64_t, int64_t);
void bf16_spmm_rcsr_4x64__avx512(const RcsrView&, const float*, int64_t, const float*, float*, int64_t, int64_t);

}  // namespace cnn2mlp
