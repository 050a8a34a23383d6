// Generated from src/model/op-contract.ts by scripts/gen-op-contract.ts (npm run gen:op-contract).
// Do not edit: test/kernels/op-contract.test.ts fails when this file and the TS table differ.
#pragma once

namespace cnn2mlp {

// Op codes of plan records (OP in op-contract.ts).
enum Op : int {
  OpConv2d = 0,
  OpDense = 1,
  OpMaxPool2d = 2,
  OpAvgPool2d = 3,
  OpGlobalAvgPool2d = 4,
  OpGlobalMaxPool2d = 5,
  OpBatchNorm = 6,
  OpZeroPad2d = 7,
  OpActivation = 8,
  OpPrelu = 9,
  OpFlatten = 10,
  OpAdd = 11,
  OpMultiply = 12,
  OpConcat = 13,
  OpUpsample2d = 14,
  OpCropping2d = 15,
  OpConv2dTranspose = 16,
};
constexpr int kOpCount = 17;

// Activation codes (ACT_NAMES; the index is the code). Also stored in MLP files.
enum ActCode : int {
  ActLinear = 0,
  ActRelu = 1,
  ActLeakyRelu = 2,
  ActClip = 3,
  ActSigmoid = 4,
  ActTanh = 5,
  ActElu = 6,
  ActSelu = 7,
  ActSoftplus = 8,
  ActSoftmax = 9,
  ActHardSigmoid = 10,
  ActHardSwish = 11,
  ActSwish = 12,
};
constexpr int kActCount = 13;
constexpr const char* kActNames[kActCount] = {"linear", "relu", "leakyRelu", "clip", "sigmoid", "tanh", "elu", "selu", "softplus", "softmax", "hardSigmoid", "hardSwish", "swish"};

// Field offsets inside one record of kRecordSize doubles (F).
namespace field {
constexpr int op = 0;
constexpr int inH = 1;
constexpr int inW = 2;
constexpr int inC = 3;
constexpr int outH = 4;
constexpr int outW = 5;
constexpr int outC = 6;
constexpr int kh = 7;
constexpr int kw = 8;
constexpr int sh = 9;
constexpr int sw = 10;
constexpr int dh = 11;
constexpr int dw = 12;
constexpr int padTop = 13;
constexpr int padBottom = 14;
constexpr int padLeft = 15;
constexpr int padRight = 16;
constexpr int groups = 17;
constexpr int act = 18;
constexpr int actAlpha = 19;
constexpr int actMin = 20;
constexpr int actMax = 21;
constexpr int weights = 22;
constexpr int bias = 23;
constexpr int flags = 24;
constexpr int layerIndex = 25;
constexpr int numInputs = 26;
constexpr int inputsAt = 27;
constexpr int residual = 28;
constexpr int outOffset = 29;
constexpr int actBeta = 30;
constexpr int coordinateMode = 31;
constexpr int nearestMode = 32;
}  // namespace field
constexpr int kRecordSize = 40;
constexpr int kMaxOpInputs = 64;

// Record flags: bits of field::flags (FLAG_*).
constexpr int kFlagCountIncludePad = 1;
constexpr int kFlagFlattenChw = 2;
constexpr int kFlagBilinear = 4;
constexpr int kFlagsAll = 7;

// upsample2d source coordinates and nearest rounding (COORDINATE_MODES, NEAREST_MODES).
enum CoordinateMode : int {
  CoordAsymmetric = 0,
  CoordHalfPixel = 1,
  CoordPytorchHalfPixel = 2,
  CoordAlignCorners = 3,
};
constexpr int kCoordCount = 4;
enum NearestMode : int {
  NearestFloor = 0,
  NearestRoundPreferFloor = 1,
  NearestRoundPreferCeil = 2,
  NearestCeil = 3,
};
constexpr int kNearestCount = 4;
// Storage of an MLP layer's matrix; also stored in MLP files (MATRIX_FORMAT).
enum class MatrixFormat : int { Dense = 0, Csr = 1, Rcsr = 2 };

// Primary op of a converted MLP layer in convertBuild (PRIM).
enum Prim : int {
  PrimConv = 0,
  PrimDense = 1,
  PrimAvgPool = 2,
  PrimExplicit = 3,
};
constexpr int kPrimCount = 4;

// SELU constants (SELU_ALPHA, SELU_GAMMA).
constexpr double kSeluAlpha = 1.6732632423543772;
constexpr double kSeluGamma = 1.0507009873554805;

}  // namespace cnn2mlp
