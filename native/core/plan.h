// The plan record ABI shared with src/model/plan.ts: one op per kRecordSize doubles, shapes and
// pads resolved, and the decoded form (PlanOp) every layer reads. runtime/plan.h decodes and
// re-checks records; kernels only ever see decoded, validated ops.
#pragma once
#include <cstdint>

namespace cnn2mlp {

enum Op : int { OpConv2d = 0, OpDense = 1, OpMaxPool = 2, OpAvgPool = 3, OpGlobalAvgPool = 4, OpGlobalMaxPool = 5, OpBatchNorm = 6, OpZeroPad = 7, OpActivation = 8, OpPRelu = 9, OpFlatten = 10 };
enum ActCode : int { ActLinear = 0, ActRelu = 1, ActLeakyRelu = 2, ActClip = 3, ActSigmoid = 4, ActTanh = 5, ActElu = 6, ActSelu = 7, ActSoftplus = 8, ActSoftmax = 9 };
constexpr int kRecordSize = 32;
constexpr int kFlagCountIncludePad = 1;
constexpr int kFlagFlattenChw = 2;

struct Activation {
  int code = ActLinear;
  float alpha = 0, min = 0, max = 0;
};

// Field offsets, as F in plan.ts.
namespace field {
constexpr int op = 0, inH = 1, inW = 2, inC = 3, outH = 4, outW = 5, outC = 6, kh = 7, kw = 8, sh = 9, sw = 10, dh = 11, dw = 12, padTop = 13, padBottom = 14, padLeft = 15,
              padRight = 16, groups = 17, act = 18, actAlpha = 19, actMin = 20, actMax = 21, weights = 22, bias = 23, flags = 24, layerIndex = 25;
}

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
