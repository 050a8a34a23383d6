// Decoding and checking of plan records (layout: core/plan.h, written by src/model/plan.ts).
#pragma once
#include <cstdint>
#include <string>

#include "core/plan.h"

namespace cnn2mlp {

// Decodes and re-checks one record: integer fields, ranges and the op's shape arithmetic
// (output size from input, kernel, stride, dilation and pads). Tensor sizes are checked by the
// caller, which knows the tensors. Returns an empty string when valid, else what is wrong.
std::string readPlanOp(const double* record, int numTensors, PlanOp* out);

// Expected element count of tensor slot `weights`/`bias` for `op` (0 when the slot is unused).
int64_t expectedWeights(const PlanOp& op);
int64_t expectedBias(const PlanOp& op);

}  // namespace cnn2mlp
