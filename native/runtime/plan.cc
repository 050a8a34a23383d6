#include "runtime/plan.h"

#include <cmath>

namespace cnn2mlp {
namespace {

constexpr double kMaxDim = 1 << 24;

bool intField(const double* r, int f, double lo, double hi, int64_t* out) {
  double v = r[f];
  if (!std::isfinite(v) || v != std::floor(v) || v < lo || v > hi) return false;
  *out = static_cast<int64_t>(v);
  return true;
}

// Output length of a window op along one axis with explicit pads. Convolution rounds down; pooling
// may round either way (ceil mode) as long as every window starts inside the input or its leading pad.
bool axisOk(int64_t in, int64_t out, int k, int s, int d, int before, int after, bool pool) {
  int64_t span = static_cast<int64_t>(d) * (k - 1) + 1;
  int64_t padded = in + before + after;
  if (span > padded) return false;
  int64_t floorOut = (padded - span) / s + 1;
  int64_t ceilOut = (padded - span + s - 1) / s + 1;
  if (!pool) return out == floorOut;
  if (out != floorOut && out != ceilOut) return false;
  return (out - 1) * s < in + before;
}

// The record's fields, each range-checked, into *o.
std::string decodeFields(const double* r, int numTensors, PlanOp* o) {
  int64_t v[kRecordSize];
  static const char* names[] = {"op", "inH", "inW", "inC", "outH", "outW", "outC", "kh", "kw", "sh", "sw", "dh", "dw", "padTop", "padBottom", "padLeft", "padRight", "groups"};
  if (!intField(r, field::op, 0, kOpCount - 1, &v[0])) return "invalid op code";
  for (int f = field::inH; f <= field::groups; f++) {
    double lo = (f >= field::padTop && f <= field::padRight) ? 0 : 1;
    if (!intField(r, f, lo, kMaxDim, &v[f])) return std::string("invalid field ") + names[f];
  }
  int64_t act, w, b, flags, layer, numInputs, inputsAt, residual, outOffset, coord, nearest;
  if (!intField(r, field::act, 0, kActCount - 1, &act)) return "invalid activation code";
  if (!intField(r, field::weights, -1, numTensors - 1, &w)) return "weights tensor index out of range";
  if (!intField(r, field::bias, -1, numTensors - 1, &b)) return "bias tensor index out of range";
  if (!intField(r, field::flags, 0, kFlagsAll, &flags)) return "invalid flags";
  if (!intField(r, field::coordinateMode, 0, kCoordCount - 1, &coord)) return "invalid coordinate mode";
  if (!intField(r, field::nearestMode, 0, kNearestCount - 1, &nearest)) return "invalid nearest mode";
  if (!intField(r, field::layerIndex, 0, 1e9, &layer)) return "invalid layer index";
  if (!intField(r, field::numInputs, 1, kMaxOpInputs, &numInputs)) return "invalid input count";
  if (!intField(r, field::inputsAt, 0, 1e15, &inputsAt)) return "invalid input list position";
  if (!intField(r, field::residual, -1, 1e9, &residual)) return "invalid residual value id";
  if (!intField(r, field::outOffset, -1, 1e15, &outOffset)) return "invalid output offset";
  for (int f : {field::actAlpha, field::actMin, field::actMax, field::actBeta})
    if (!std::isfinite(r[f])) return "activation parameters must be finite";
  o->op = static_cast<int>(v[0]);
  o->inH = v[1], o->inW = v[2], o->inC = v[3], o->outH = v[4], o->outW = v[5], o->outC = v[6];
  o->kh = int(v[7]), o->kw = int(v[8]), o->sh = int(v[9]), o->sw = int(v[10]), o->dh = int(v[11]), o->dw = int(v[12]);
  o->padTop = int(v[13]), o->padBottom = int(v[14]), o->padLeft = int(v[15]), o->padRight = int(v[16]);
  o->groups = int(v[17]);
  o->act.code = int(act);
  o->act.alpha = float(r[field::actAlpha]);
  o->act.min = float(r[field::actMin]);
  o->act.max = float(r[field::actMax]);
  o->act.beta = float(r[field::actBeta]);
  o->numInputs = int(numInputs), o->inputsAt = inputsAt, o->residual = residual, o->outOffset = outOffset;
  o->coordinateMode = int(coord), o->nearestMode = int(nearest);
  o->weights = int(w), o->bias = int(b), o->flags = int(flags), o->layerIndex = int(layer);
  if (o->inSize() > 2147483647LL || o->outSize() > 2147483647LL) return "tensor too large";
  return "";
}

// The op's rules: input count, flags, and its output shape from its input shape and parameters.
std::string checkOpRules(const PlanOp* o) {
  const bool sameShape = o->outH == o->inH && o->outW == o->inW && o->outC == o->inC;
  if (o->residual >= 0 && o->op != OpConv2d) return "only conv2d takes a residual input";
  if (o->residual >= 0 && o->act.code == ActSoftmax) return "softmax after a residual add";
  if ((o->op == OpAdd || o->op == OpConcat) ? o->numInputs < 2 : o->op == OpMultiply ? o->numInputs != 2 : o->numInputs != 1) return "wrong number of inputs for the op";
  const int allowed = o->op == OpUpsample2d ? kFlagBilinear : o->op == OpFlatten ? kFlagFlattenChw : o->op == OpAvgPool2d ? kFlagCountIncludePad : 0;
  if (o->flags & ~allowed) return "flags the op does not take";
  if (o->op != OpUpsample2d && (o->coordinateMode != 0 || o->nearestMode != 0)) return "resize modes on an op that does not resize";
  switch (o->op) {
    case OpAdd:
    case OpMultiply:
      if (!sameShape) return "elementwise op changes the shape";
      break;
    case OpConcat:
      if (o->outH != o->inH || o->outW != o->inW || o->outC <= o->inC) return "concat output must keep the spatial size and add channels";
      break;
    case OpUpsample2d:
      if (o->outH != o->inH * o->sh || o->outW != o->inW * o->sw || o->outC != o->inC) return "upsample output size mismatch";
      break;
    case OpCropping2d:
      if (o->outH != o->inH - o->padTop - o->padBottom || o->outW != o->inW - o->padLeft - o->padRight || o->outC != o->inC) return "cropping output size mismatch";
      break;
    case OpConv2dTranspose:
      if (o->inC % o->groups || o->outC % o->groups) return "channels not divisible by groups";
      if (o->weights < 0) return "conv2dTranspose needs weights";
      break;
    case OpConv2d:
      if (o->inC % o->groups || o->outC % o->groups) return "channels not divisible by groups";
      if (!axisOk(o->inH, o->outH, o->kh, o->sh, o->dh, o->padTop, o->padBottom, false) || !axisOk(o->inW, o->outW, o->kw, o->sw, o->dw, o->padLeft, o->padRight, false))
        return "output size does not match kernel, stride, dilation and padding";
      if (o->weights < 0) return "conv2d needs weights";
      break;
    case OpMaxPool2d:
    case OpAvgPool2d:
      if (o->outC != o->inC) return "pooling changes the channel count";
      if (!axisOk(o->inH, o->outH, o->kh, o->sh, o->dh, o->padTop, o->padBottom, true) || !axisOk(o->inW, o->outW, o->kw, o->sw, o->dw, o->padLeft, o->padRight, true))
        return "output size does not match pool size, stride and padding";
      if (o->padTop >= (o->kh - 1) * o->dh + 1 || o->padLeft >= (o->kw - 1) * o->dw + 1) return "padding as large as the window";
      break;
    case OpDense:
      if (o->inH != 1 || o->inW != 1 || o->outH != 1 || o->outW != 1) return "dense needs a vector input";
      if (o->weights < 0) return "dense needs weights";
      break;
    case OpGlobalAvgPool2d:
    case OpGlobalMaxPool2d:
      if (o->outH != 1 || o->outW != 1 || o->outC != o->inC) return "global pooling output must be the channel vector";
      break;
    case OpBatchNorm:
      if (o->weights < 0 || o->bias < 0) return "batchNorm needs scale and shift";
      [[fallthrough]];
    case OpActivation:
      if (o->outH != o->inH || o->outW != o->inW || o->outC != o->inC) return "elementwise op changes the shape";
      break;
    case OpPrelu:
      if (o->weights < 0) return "prelu needs alpha";
      if (o->outH != o->inH || o->outW != o->inW || o->outC != o->inC) return "elementwise op changes the shape";
      break;
    case OpZeroPad2d:
      if (o->outH != o->inH + o->padTop + o->padBottom || o->outW != o->inW + o->padLeft + o->padRight || o->outC != o->inC) return "zero padding output size mismatch";
      break;
    case OpFlatten:
      if (o->outH != 1 || o->outW != 1 || o->outC != o->inSize()) return "flatten output size mismatch";
      break;
  }
  if (o->act.code == ActSoftmax && o->op == OpFlatten) return "softmax on flatten";
  return "";
}

}  // namespace

std::string readPlanOp(const double* r, int numTensors, PlanOp* o) {
  std::string err = decodeFields(r, numTensors, o);
  return err.empty() ? checkOpRules(o) : err;
}

int64_t expectedWeights(const PlanOp& o) {
  switch (o.op) {
    case OpConv2d:
    case OpConv2dTranspose: return int64_t(o.kh) * o.kw * (o.inC / o.groups) * o.outC;
    case OpDense: return o.inC * o.outC;
    case OpBatchNorm:
    case OpPrelu: return o.inC;
    default: return 0;
  }
}

int64_t expectedBias(const PlanOp& o) {
  switch (o.op) {
    case OpConv2d:
    case OpConv2dTranspose:
    case OpDense: return o.outC;
    case OpBatchNorm: return o.inC;
    default: return 0;
  }
}

}  // namespace cnn2mlp
