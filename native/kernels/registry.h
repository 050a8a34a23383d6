// The kernel registry: every kernel of the library, conv and MLP alike, in one table of one shape.
// The runtime dispatches from it (runtime/dispatch.h picks, per op, the entry for the active ISA),
// cpuInfo().kernels names the entries in use, and test/kernels/registry.test.ts runs every entry
// against its reference by name. docs/kernels.md lists the table (a test fails on drift).
//
// Names: f32_<op>_<layout>_<M>x<N>__<isa>, references f32_<op>_<layout>_1x1__ref. The run-CSR
// ops are named spmv_rcsr / spmm_rcsr (their own signature, so their own op); kernels on bf16
// weights are bf16_<op>_..., ops gemv_bf16 / gemm_bf16 / spmv_rcsr_bf16 / spmm_rcsr_bf16. M×N is the
// register tile of outputs one inner step produces: M rows (output pixels for convolutions, matrix
// rows for GEMV/GEMM/SpMV/SpMM, independent accumulator chains for the probes) × N columns (output
// channels, batch lanes, or vector lanes). A reference computes one output at a time: 1x1.
#pragma once
#include <cstddef>

#include "core/isa.h"
#include "kernels/bf16_kernels.h"
#include "kernels/conv2d.h"
#include "kernels/mlp_kernels.h"
#include "kernels/rcsr_kernels.h"

namespace cnn2mlp {

// What a kernel computes; each op has one function signature (KernelFn member in brackets).
enum class KernelOp : int {
  Conv2d,  // [conv] general direct convolution on packed 16-channel blocks
  DwConv2d,  // [conv] depthwise, one input and one output channel per group
  GConv2d,  // [conv] grouped with few channels per group (gathers the input)
  Gemv,  // [gemv] dense W·x, batch 1
  Gemm,  // [gemm] dense W·X on feature-major panels, batch > 1
  Spmv,  // [spmv] CSR W·x, batch 1
  Spmm,  // [spmm] CSR W·X on feature-major panels
  SpmvRcsr,  // [rspmv] run-CSR W·x, batch 1
  SpmmRcsr,  // [rspmm] run-CSR W·X on feature-major panels
  Sum,  // [sum] read-bandwidth probe
  Fma,  // [fma] FMA-throughput probe
  GemvBf16,  // [bgemv] dense W·x with bf16 weights, batch 1
  GemmBf16,  // [bgemm] dense W·X with bf16 weights on feature-major panels
  SpmvRcsrBf16,  // [rspmv] run-CSR W·x with bf16 values, batch 1
  SpmmRcsrBf16,  // [rspmm] run-CSR W·X with bf16 values on feature-major panels
};
constexpr int kKernelOpCount = 15;
const char* kernelOpName(KernelOp op);

// The kernel's function pointer; which member is valid follows from the entry's op.
union KernelFn {
  ConvRowFn conv;
  GemvFn gemv;
  GemmFn gemm;
  SpmvFn spmv;
  SpmmFn spmm;
  SumFn sum;
  FmaFn fma;
  RcsrSpmvFn rspmv;
  RcsrSpmmFn rspmm;
  Bf16GemvFn bgemv;
  Bf16GemmFn bgemm;
  constexpr KernelFn(ConvRowFn f) : conv(f) {}
  constexpr KernelFn(GemvFn f) : gemv(f) {}
  constexpr KernelFn(GemmFn f) : gemm(f) {}
  constexpr KernelFn(SpmvFn f) : spmv(f) {}
  constexpr KernelFn(SpmmFn f) : spmm(f) {}
  constexpr KernelFn(SumFn f) : sum(f) {}
  constexpr KernelFn(FmaFn f) : fma(f) {}
  constexpr KernelFn(RcsrSpmvFn f) : rspmv(f) {}
  constexpr KernelFn(RcsrSpmmFn f) : rspmm(f) {}
  constexpr KernelFn(Bf16GemvFn f) : bgemv(f) {}
  constexpr KernelFn(Bf16GemmFn f) : bgemm(f) {}
};

struct Kernel {
  const char* name;
  KernelOp op;
  Isa isa;  // what the CPU must support (Scalar for references)
  int tileM, tileN;  // the M×N of the name
  int lanes;  // fp32 lanes per vector register
  // Rows (pixels) the runtime hands one call at least four times over: the widest tile the kernel
  // forms (conv tiles widen along the row when a group has few 16-channel blocks); else tileM.
  int chunkM;
  KernelFn fn;
  const char* reference;  // the naive kernel this one is checked against (itself for a reference)
};

// The table, references first, then by ISA; `count` receives its length.
const Kernel* kernelRegistry(size_t* count);
// The entry named `name`, or null.
const Kernel* findKernel(const char* name);

}  // namespace cnn2mlp
