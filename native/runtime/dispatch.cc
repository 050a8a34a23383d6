#include "runtime/dispatch.h"

#include <algorithm>

#include "runtime/cpu.h"

namespace cnn2mlp {

const Kernel& kernelFor(KernelOp op, Isa isa) {
  size_t n = 0;
  const Kernel* table = kernelRegistry(&n);
  const Kernel* best = nullptr;
  for (size_t i = 0; i < n; i++) {
    const Kernel& k = table[i];
    if (k.op != op || static_cast<int>(k.isa) > static_cast<int>(isa)) continue;
    if (!best || static_cast<int>(k.isa) > static_cast<int>(best->isa)) best = &k;
  }
  return *best;  // registry.cc registers a reference (Isa::Scalar) for every op
}

const Kernel& activeKernel(KernelOp op) { return kernelFor(op, activeIsa()); }

ConvKernels convKernelsFor(Isa isa) {
  const Kernel& general = kernelFor(KernelOp::Conv2d, isa);
  return {general.fn.conv,
          kernelFor(KernelOp::DwConv2d, isa).fn.conv,
          kernelFor(KernelOp::GConv2d, isa).fn.conv,
          std::max(1, general.tileN / kConvBlock),
          general.chunkM};
}

std::vector<std::string> kernelsInUse() {
  std::vector<std::string> names;
  for (int op = 0; op < kKernelOpCount; op++) names.push_back(activeKernel(static_cast<KernelOp>(op)).name);
  return names;
}

}  // namespace cnn2mlp
