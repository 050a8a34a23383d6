// Instruction-set ids: which family of kernels a registry entry needs and which one runs. The
// numeric order is the order of preference (a wider ISA can run every narrower kernel).
#pragma once

namespace cnn2mlp {

enum class Isa { Scalar = 0, Avx2 = 1, Avx512 = 2 };
constexpr int kIsaCount = 3;

constexpr const char* isaName(Isa isa) { return isa == Isa::Avx512 ? "avx512" : isa == Isa::Avx2 ? "avx2" : "scalar"; }

}  // namespace cnn2mlp
