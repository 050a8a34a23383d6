// MLP layer kernels: dense GEMV/GEMM and CSR SpMV/SpMM, plus the machine probes (registered in
// kernels/registry.cc, dispatched by runtime/dispatch.h). Every layer kernel computes a row range
// [r0, r1) of one layer (threads split by rows or by balanced nonzeros), adds the bias and writes pre-activation values; the caller applies the
// activation on the same rows right after (fused epilogue, data still in cache).
//
// Layouts (the caller, runtime/mlp_exec.cc, guarantees them):
//   W dense  row-major rows × ld floats, ld % 16 == 0, 64-B aligned rows, zero padding columns.
//   x        batch 1: a vector of ld floats (64-B aligned) whose entries past cols are zero.
//   Xt, Yt   batch > 1: feature-major "packed" panels [features][bp], bp = batch rounded up to 16
//            (64-B aligned rows); lane b of row k is sample b's feature k. This layout *is* the
//            GEMM packing: a K-block of Xt is already the [k][batch lanes] panel the register tile
//            streams, and each layer's Yt is the next layer's Xt, so packing happens once per run
//            (the input transpose), not once per layer.
//   CSR      int64 rowPtr (rows + 1), int32 colIdx sorted per row, float values.
// Kernels never allocate, never throw and never touch N-API.
#pragma once
#include <cstdint>

namespace cnn2mlp {

// y[r] = Σ_k W[r*ld + k] · x[k] + bias[r], r in [r0, r1); reads x[0, ld).
using GemvFn = void (*)(const float* W, int64_t ld, const float* x, const float* bias, float* y, int64_t r0, int64_t r1);
// Yt[r*bp + b] = Σ_{k<K} W[r*ld + k] · Xt[k*bp + b] + bias[r], r in [r0, r1), every lane b < bp.
using GemmFn = void (*)(const float* W, int64_t ld, int64_t K, const float* Xt, int64_t bp, const float* bias, float* Yt, int64_t r0, int64_t r1);
// y[r] = Σ_{j in row r} values[j] · x[colIdx[j]] + bias[r].
using SpmvFn = void (*)(const int64_t* rowPtr, const int32_t* colIdx, const float* values, const float* x, const float* bias, float* y, int64_t r0, int64_t r1);
// Yt[r*bp + b] = Σ_{j in row r} values[j] · Xt[colIdx[j]*bp + b] + bias[r].
using SpmmFn = void (*)(const int64_t* rowPtr, const int32_t* colIdx, const float* values, const float* Xt, int64_t bp, const float* bias, float* Yt, int64_t r0, int64_t r1);
// Σ x[0, n) with the widest loads (read-bandwidth probe); n % 64 == 0, x 64-B aligned.
using SumFn = double (*)(const float* x, int64_t n);
// Runs `iters` rounds of independent FMA chains; returns FMAs done per lane-vector (for FLOP
// accounting: FLOPs = 2 · lanes · returned count) and writes a result so the work is not elided.
using FmaFn = int64_t (*)(int64_t iters, float* sink);

// --- the variants (defined in mlp_kernels_ref.cc, *_avx2.cc, *_avx512.cc) ---
void f32_gemv_dense_1x1__ref(const float*, int64_t, const float*, const float*, float*, int64_t, int64_t);
void f32_gemv_dense_6x1__avx2(const float*, int64_t, const float*, const float*, float*, int64_t, int64_t);
void f32_gemv_dense_6x1__avx512(const float*, int64_t, const float*, const float*, float*, int64_t, int64_t);
void f32_gemm_dense_1x1__ref(const float*, int64_t, int64_t, const float*, int64_t, const float*, float*, int64_t, int64_t);
void f32_gemm_dense_6x16__avx2(const float*, int64_t, int64_t, const float*, int64_t, const float*, float*, int64_t, int64_t);
void f32_gemm_dense_12x32__avx512(const float*, int64_t, int64_t, const float*, int64_t, const float*, float*, int64_t, int64_t);
void f32_spmv_csr_1x1__ref(const int64_t*, const int32_t*, const float*, const float*, const float*, float*, int64_t, int64_t);
void f32_spmv_csr_1x1__avx2(const int64_t*, const int32_t*, const float*, const float*, const float*, float*, int64_t, int64_t);
void f32_spmv_csr_1x1__avx512(const int64_t*, const int32_t*, const float*, const float*, const float*, float*, int64_t, int64_t);
void f32_spmm_csr_1x1__ref(const int64_t*, const int32_t*, const float*, const float*, int64_t, const float*, float*, int64_t, int64_t);
void f32_spmm_csr_1x32__avx2(const int64_t*, const int32_t*, const float*, const float*, int64_t, const float*, float*, int64_t, int64_t);
void f32_spmm_csr_1x64__avx512(const int64_t*, const int32_t*, const float*, const float*, int64_t, const float*, float*, int64_t, int64_t);
double f32_sum_read_4x1__ref(const float*, int64_t);
double f32_sum_read_8x8__avx2(const float*, int64_t);
double f32_sum_read_16x16__avx512(const float*, int64_t);
int64_t f32_fma_peak_4x1__ref(int64_t, float*);
int64_t f32_fma_peak_15x8__avx2(int64_t, float*);
int64_t f32_fma_peak_24x16__avx512(int64_t, float*);

}  // namespace cnn2mlp
