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
  float alpha = 0, min = 0, max = 0, beta = 0;  // beta: hardSigmoid's offset
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
  int coordinateMode = 0, nearestMode = 0;  // upsample2d
  // Graph wiring: the op reads numInputs value ids at edges[inputsAt…]; value 0 is the model input,
  // value k + 1 the output of op k. residual: a value added before the activation (conv only), or -1.
  // outOffset: the output's place in one sample's arena (floats), or -1 for the caller's output.
  int numInputs = 1;
  int64_t inputsAt = 0;
  int64_t residual = -1;
  int64_t outOffset = -1;
  int64_t inSize() const { return inH * inW * inC; }
  int64_t outSize() const { return outH * outW * outC; }
};

}  // namespace cnn2mlp
