// CPU feature detection (cpuid + xgetbv) and the process-wide ISA choice that every kernel
// dispatcher reads. The choice can be forced (CNN2MLP_ISA env var or setIsa()) so tests cover
// every path the CPU can run; forcing a path the CPU lacks is refused, never attempted.
#pragma once
#include <string>
#include <vector>

#include "core/isa.h"

namespace cnn2mlp {


struct CpuFeatures {
  std::string vendor;
  std::string brand;
  bool avx2 = false;  // AVX2 + FMA + OS saves YMM state
  bool avx512 = false;  // AVX-512 F/BW/VL/DQ + OS saves ZMM state
  int logicalCores = 1;
};

const CpuFeatures& cpuFeatures();
bool isaSupported(Isa isa);
// Best ISA the CPU supports.
Isa bestIsa();
// The ISA kernels dispatch to now.
Isa activeIsa();
// Returns false (and changes nothing) if the CPU cannot run `isa`.
bool setActiveIsa(Isa isa);
bool parseIsa(const std::string& name, Isa* out);

}  // namespace cnn2mlp
