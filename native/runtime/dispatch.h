// Run-time kernel dispatch from the registry (kernels/registry.h): for each op, the registered
// kernel with the widest ISA not above the one asked for (activeIsa(), or forced for tests).
#pragma once
#include <string>
#include <vector>

#include "kernels/registry.h"

namespace cnn2mlp {

// The kernel for `op` on `isa`; every op has a reference, so there always is one.
const Kernel& kernelFor(KernelOp op, Isa isa);
// The kernel for `op` on the active ISA.
const Kernel& activeKernel(KernelOp op);

// The three convolution kernels of one ISA, with the chunking hints of the general one (the
// runtime sizes its pixel chunks the same way whichever variant an op runs).
struct ConvKernels {
  ConvRowFn general, depthwise, grouped;
  int unitsPerTile;  // 16-channel units one general tile covers
  int pixelsPerTile;  // widest general tile in pixels
};
ConvKernels convKernelsFor(Isa isa);

// Names of the kernels the active ISA runs, one per op, in KernelOp order.
std::vector<std::string> kernelsInUse();

}  // namespace cnn2mlp
