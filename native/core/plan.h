// The plan record ABI shared with src/model/plan.ts: one op per kRecordSize doubles, shapes and
// pads resolved (codes, offsets and flags: core/op_contract.h, generated from
// src/model/op-contract.ts), and the decoded form (PlanOp) every layer reads. runtime/plan.cc
// decodes and re-checks records; kernels only ever see decoded, validated ops.
#pragma once
#include <cstdint>

#include "core/op_contract.h"

namespace cnn2mlp {

struct Activation {
  int code = ActLinear;
  float alpha = 0, min = 0, max = 0;
};

struct PlanOp {
  int op = 0;
  int64_t inH = 1, inW = 1, inC = 1, outH = 1, outW = 1, outC = 1;
  int kh = 1, kw = 1, sh = 1, sw = 1, dh = 1, dw = 1;
  int padTop = 0, padBottom = 0, padLeft = 0, padRight = 0;
  int groups = 1;
  Activation act;
  int weights = -1, bias = -1;
  int flags = 0;
  int layerIndex = 0;
  int64_t inSize() const { return inH * inW * inC; }
  int64_t outSize() const { return outH * outW * outC; }
};

}  // namespace cnn2mlp
