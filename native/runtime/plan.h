// The plan record layout shared with src/model/plan.ts: one op per RECORD_SIZE doubles, shapes
// and pads resolved. C++ reads records through PlanOp::read, which re-checks every field.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace cnn2mlp {

enum Op : int {
  OpConv2d = 0, OpDense = 1, OpMaxPool = 2, OpAvgPool = 3, OpGlobalAvgPool = 4, OpGlobalMaxPool = 5, OpBatchNorm = 6, OpZeroPad = 7, OpActivation = 8, OpPRelu = 9, OpFlatten = 10,
  OpAdd = 11, OpMultiply = 12, OpConcat = 13, OpUpsample = 14, OpCrop = 15, OpConvTranspose = 16
};
enum ActCode : int {
  ActLinear = 0, ActRelu = 1, ActLeakyRelu = 2, ActClip = 3, ActSigmoid = 4, ActTanh = 5, ActElu = 6, ActSelu = 7, ActSoftplus = 8, ActSoftmax = 9,
  ActHardSigmoid = 10, ActHardSwish = 11, ActSwish = 12
};
constexpr int kRecordSize = 32;
constexpr int kFlagCountIncludePad = 1;
constexpr int kFlagFlattenChw = 2;
// upsample2d flags: bit 0 bilinear, bits 1-2 coordinate mode, bits 3-4 nearest rounding (plan.ts UPSAMPLE_*).
constexpr int kFlagBilinear = 1;
enum CoordinateMode : int { CoordAsymmetric = 0, CoordHalfPixel = 1, CoordPytorchHalfPixel = 2, CoordAlignCorners = 3 };
enum NearestMode : int { NearestFloor = 0, NearestRoundPreferFloor = 1, NearestRoundPreferCeil = 2, NearestCeil = 3 };

struct Activation {
  int code = ActLinear;
  float alpha = 0, min = 0, max = 0, beta = 0;
};

// Field offsets, as F in plan.ts.
namespace field {
constexpr int op = 0, inH = 1, inW = 2, inC = 3, outH = 4, outW = 5, outC = 6, kh = 7, kw = 8, sh = 9, sw = 10, dh = 11, dw = 12, padTop = 13, padBottom = 14, padLeft = 15,
              padRight = 16, groups = 17, act = 18, actAlpha = 19, actMin = 20, actMax = 21, weights = 22, bias = 23, flags = 24, layerIndex = 25,
              numInputs = 26, inputsAt = 27, residual = 28, outOffset = 29, actBeta = 30;
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

// Decodes and re-checks one record: integer fields, ranges and the op's shape arithmetic
// (output size from input, kernel, stride, dilation and pads). Tensor sizes are checked by the
// caller, which knows the tensors. Returns an empty string when valid, else what is wrong.
std::string readPlanOp(const double* record, int numTensors, PlanOp* out);

// Expected element count of tensor slot `weights`/`bias` for `op` (0 when the slot is unused).
int64_t expectedWeights(const PlanOp& op);
int64_t expectedBias(const PlanOp& op);

}  // namespace cnn2mlp
