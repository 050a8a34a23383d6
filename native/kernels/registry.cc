// The kernel registry table (see registry.h). Adding a kernel: declare it in conv2d.h or
// mlp_kernels.h, define it in the file of its ISA, add one row here, regenerate docs/kernels.md
// (npm run gen:kernels-doc); test/kernels/registry.test.ts then runs it against its reference.
#include "kernels/registry.h"

#include <cstring>

namespace cnn2mlp {
namespace {

constexpr Isa S = Isa::Scalar, A2 = Isa::Avx2, A5 = Isa::Avx512;
using K = KernelOp;

// name, op, isa, tileM, tileN, lanes, chunkM, fn, reference
const Kernel kRegistry[] = {
    {"f32_conv2d_nhwc_1x1__ref", K::Conv2d, S, 1, 1, 1, 1, f32_conv2d_nhwc_1x1__ref, "f32_conv2d_nhwc_1x1__ref"},
    {"f32_dwconv2d_nhwc_1x1__ref", K::DwConv2d, S, 1, 1, 1, 1, f32_dwconv2d_nhwc_1x1__ref, "f32_dwconv2d_nhwc_1x1__ref"},
    {"f32_gconv2d_nhwc_1x1__ref", K::GConv2d, S, 1, 1, 1, 1, f32_gconv2d_nhwc_1x1__ref, "f32_gconv2d_nhwc_1x1__ref"},
    {"f32_gemv_dense_1x1__ref", K::Gemv, S, 1, 1, 1, 1, f32_gemv_dense_1x1__ref, "f32_gemv_dense_1x1__ref"},
    {"f32_gemm_dense_1x1__ref", K::Gemm, S, 1, 1, 1, 1, f32_gemm_dense_1x1__ref, "f32_gemm_dense_1x1__ref"},
    {"f32_spmv_csr_1x1__ref", K::Spmv, S, 1, 1, 1, 1, f32_spmv_csr_1x1__ref, "f32_spmv_csr_1x1__ref"},
    {"f32_spmm_csr_1x1__ref", K::Spmm, S, 1, 1, 1, 1, f32_spmm_csr_1x1__ref, "f32_spmm_csr_1x1__ref"},
    {"f32_spmv_rcsr_1x1__ref", K::SpmvRcsr, S, 1, 1, 1, 1, f32_spmv_rcsr_1x1__ref, "f32_spmv_rcsr_1x1__ref"},
    {"f32_spmm_rcsr_1x1__ref", K::SpmmRcsr, S, 1, 1, 1, 1, f32_spmm_rcsr_1x1__ref, "f32_spmm_rcsr_1x1__ref"},
    {"f32_sum_read_4x1__ref", K::Sum, S, 4, 1, 1, 4, f32_sum_read_4x1__ref, "f32_sum_read_4x1__ref"},
    {"f32_fma_peak_4x1__ref", K::Fma, S, 4, 1, 1, 4, f32_fma_peak_4x1__ref, "f32_fma_peak_4x1__ref"},
    {"bf16_gemv_dense_1x1__ref", K::GemvBf16, S, 1, 1, 1, 1, bf16_gemv_dense_1x1__ref, "bf16_gemv_dense_1x1__ref"},
    {"bf16_gemm_dense_1x1__ref", K::GemmBf16, S, 1, 1, 1, 1, bf16_gemm_dense_1x1__ref, "bf16_gemm_dense_1x1__ref"},
    {"bf16_spmv_rcsr_1x1__ref", K::SpmvRcsrBf16, S, 1, 1, 1, 1, bf16_spmv_rcsr_1x1__ref, "bf16_spmv_rcsr_1x1__ref"},
    {"bf16_spmm_rcsr_1x1__ref", K::SpmmRcsrBf16, S, 1, 1, 1, 1, bf16_spmm_rcsr_1x1__ref, "bf16_spmm_rcsr_1x1__ref"},

    {"f32_conv2d_nhwc_6x16__avx2", K::Conv2d, A2, 6, 16, 8, 6, f32_conv2d_nhwc_6x16__avx2, "f32_conv2d_nhwc_1x1__ref"},
    {"f32_dwconv2d_nhwc_1x32__avx2", K::DwConv2d, A2, 1, 32, 8, 1, f32_dwconv2d_nhwc_1x32__avx2, "f32_dwconv2d_nhwc_1x1__ref"},
    {"f32_gconv2d_nhwc_1x8__avx2", K::GConv2d, A2, 1, 8, 8, 1, f32_gconv2d_nhwc_1x8__avx2, "f32_gconv2d_nhwc_1x1__ref"},
    {"f32_gemv_dense_6x1__avx2", K::Gemv, A2, 6, 1, 8, 6, f32_gemv_dense_6x1__avx2, "f32_gemv_dense_1x1__ref"},
    {"f32_gemm_dense_6x16__avx2", K::Gemm, A2, 6, 16, 8, 6, f32_gemm_dense_6x16__avx2, "f32_gemm_dense_1x1__ref"},
    {"f32_spmv_csr_1x1__avx2", K::Spmv, A2, 1, 1, 8, 1, f32_spmv_csr_1x1__avx2, "f32_spmv_csr_1x1__ref"},
    {"f32_spmm_csr_1x32__avx2", K::Spmm, A2, 1, 32, 8, 1, f32_spmm_csr_1x32__avx2, "f32_spmm_csr_1x1__ref"},
    {"f32_spmv_rcsr_16x1__avx2", K::SpmvRcsr, A2, 16, 1, 8, 16, f32_spmv_rcsr_16x1__avx2, "f32_spmv_rcsr_1x1__ref"},
    {"f32_spmm_rcsr_4x16__avx2", K::SpmmRcsr, A2, 4, 16, 8, 4, f32_spmm_rcsr_4x16__avx2, "f32_spmm_rcsr_1x1__ref"},
    {"f32_sum_read_8x8__avx2", K::Sum, A2, 8, 8, 8, 8, f32_sum_read_8x8__avx2, "f32_sum_read_4x1__ref"},
    {"f32_fma_peak_15x8__avx2", K::Fma, A2, 15, 8, 8, 15, f32_fma_peak_15x8__avx2, "f32_fma_peak_4x1__ref"},
    {"bf16_gemv_dense_6x1__avx2", K::GemvBf16, A2, 6, 1, 8, 6, bf16_gemv_dense_6x1__avx2, "bf16_gemv_dense_1x1__ref"},
    {"bf16_gemm_dense_6x16__avx2", K::GemmBf16, A2, 6, 16, 8, 6, bf16_gemm_dense_6x16__avx2, "bf16_gemm_dense_1x1__ref"},
    {"bf16_spmv_rcsr_16x1__avx2", K::SpmvRcsrBf16, A2, 16, 1, 8, 16, bf16_spmv_rcsr_16x1__avx2, "bf16_spmv_rcsr_1x1__ref"},
    {"bf16_spmm_rcsr_4x16__avx2", K::SpmmRcsrBf16, A2, 4, 16, 8, 4, bf16_spmm_rcsr_4x16__avx2, "bf16_spmm_rcsr_1x1__ref"},

    {"f32_conv2d_nhwc_6x64__avx512", K::Conv2d, A5, 6, 64, 16, 12, f32_conv2d_nhwc_6x64__avx512, "f32_conv2d_nhwc_1x1__ref"},
    {"f32_dwconv2d_nhwc_1x64__avx512", K::DwConv2d, A5, 1, 64, 16, 1, f32_dwconv2d_nhwc_1x64__avx512, "f32_dwconv2d_nhwc_1x1__ref"},
    {"f32_gconv2d_nhwc_1x16__avx512", K::GConv2d, A5, 1, 16, 16, 1, f32_gconv2d_nhwc_1x16__avx512, "f32_gconv2d_nhwc_1x1__ref"},
    {"f32_gemv_dense_6x1__avx512", K::Gemv, A5, 6, 1, 8, 6, f32_gemv_dense_6x1__avx512, "f32_gemv_dense_1x1__ref"},
    {"f32_gemm_dense_12x32__avx512", K::Gemm, A5, 12, 32, 16, 12, f32_gemm_dense_12x32__avx512, "f32_gemm_dense_1x1__ref"},
    {"f32_spmv_csr_1x1__avx512", K::Spmv, A5, 1, 1, 16, 1, f32_spmv_csr_1x1__avx512, "f32_spmv_csr_1x1__ref"},
    {"f32_spmm_csr_1x64__avx512", K::Spmm, A5, 1, 64, 16, 1, f32_spmm_csr_1x64__avx512, "f32_spmm_csr_1x1__ref"},
    {"f32_spmv_rcsr_16x1__avx512", K::SpmvRcsr, A5, 16, 1, 16, 16, f32_spmv_rcsr_16x1__avx512, "f32_spmv_rcsr_1x1__ref"},
    {"f32_spmm_rcsr_4x64__avx512", K::SpmmRcsr, A5, 4, 64, 16, 4, f32_spmm_rcsr_4x64__avx512, "f32_spmm_rcsr_1x1__ref"},
    {"f32_sum_read_16x16__avx512", K::Sum, A5, 16, 16, 16, 16, f32_sum_read_16x16__avx512, "f32_sum_read_4x1__ref"},
    {"f32_fma_peak_24x16__avx512", K::Fma, A5, 24, 16, 16, 24, f32_fma_peak_24x16__avx512, "f32_fma_peak_4x1__ref"},
    {"bf16_gemv_dense_6x1__avx512", K::GemvBf16, A5, 6, 1, 16, 6, bf16_gemv_dense_6x1__avx512, "bf16_gemv_dense_1x1__ref"},
    {"bf16_gemm_dense_12x32__avx512", K::GemmBf16, A5, 12, 32, 16, 12, bf16_gemm_dense_12x32__avx512, "bf16_gemm_dense_1x1__ref"},
    {"bf16_spmv_rcsr_16x1__avx512", K::SpmvRcsrBf16, A5, 16, 1, 16, 16, bf16_spmv_rcsr_16x1__avx512, "bf16_spmv_rcsr_1x1__ref"},
    {"bf16_spmm_rcsr_4x64__avx512", K::SpmmRcsrBf16, A5, 4, 64, 16, 4, bf16_spmm_rcsr_4x64__avx512, "bf16_spmm_rcsr_1x1__ref"},
};

}  // namespace

const char* kernelOpName(KernelOp op) {
  static const char* names[kKernelOpCount] = {"conv2d", "dwconv2d", "gconv2d", "gemv", "gemm", "spmv", "spmm", "spmv_rcsr", "spmm_rcsr", "sum", "fma", "gemv_bf16", "gemm_bf16", "spmv_rcsr_bf16", "spmm_rcsr_bf16"};
  const int i = static_cast<int>(op);
  return i >= 0 && i < kKernelOpCount ? names[i] : "?";
}

const Kernel* kernelRegistry(size_t* count) {
  *count = sizeof(kRegistry) / sizeof(kRegistry[0]);
  return kRegistry;
}

const Kernel* findKernel(const char* name) {
  for (const Kernel& k : kRegistry)
    if (std::strcmp(k.name, name) == 0) return &k;
  return nullptr;
}

}  // namespace cnn2mlp
