// buildCnn: re-validates the plan (records, wiring, arena placement) and copies the weights.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/errors.h"
#include "kernels/cnn_ops.h"
#include "runtime/cnn.h"

namespace cnn2mlp {
namespace {

[[noreturn]] void bad(int64_t i, const PlanOp* p, const std::string& msg) {
  std::string where = "op " + std::to_string(i);
  if (p) where += " (layer " + std::to_string(p->layerIndex) + ")";
  throw CodedError("ERR_INVALID_MODEL", where + ": " + msg);
}

float* copyTensor(Cnn& cnn, const TensorView& t, int64_t i, const PlanOp& p, const char* what) {
  for (int64_t k = 0; k < t.length; k++)
    if (!std::isfinite(t.data[k])) bad(i, &p, std::string(what) + "[" + std::to_string(k) + "] is not finite");
  auto buf = Buffer::allocate(size_t(std::max<int64_t>(t.length, 1)) * sizeof(float), what);
  std::memcpy(buf->data(), t.data, size_t(t.length) * sizeof(float));
  cnn.storage.push_back(buf);
  cnn.bytes += int64_t(buf->size());
  return buf->as<float>();
}

float* zeros(Cnn& cnn, int64_t n, const char* what) {
  auto buf = Buffer::allocate(size_t(std::max<int64_t>(n, 1)) * sizeof(float), what);
  cnn.storage.push_back(buf);
  cnn.bytes += int64_t(buf->size());
  return buf->as<float>();
}

void setupConv(Cnn& cnn, CnnOp& op, int64_t i, const std::vector<TensorView>& tensors) {
  const PlanOp& p = op.p;
  ConvDesc& d = op.conv;
  d.inH = p.inH, d.inW = p.inW, d.inC = p.inC, d.outH = p.outH, d.outW = p.outW, d.outC = p.outC;
  d.kh = p.kh, d.kw = p.kw, d.sh = p.sh, d.sw = p.sw, d.dh = p.dh, d.dw = p.dw, d.padT = p.padTop, d.padL = p.padLeft;
  d.inPitch = d.inC, d.outPitch = d.outC;
  d.groups = p.op == OpDense ? 1 : p.groups;
  d.cinG = d.inC / d.groups;
  d.coutG = d.outC / d.groups;
  d.nbG = (d.coutG + kConvBlock - 1) / kConvBlock;
  d.depthwise = p.op == OpConv2d && d.cinG == 1 && d.coutG == 1;
  d.smallGroups = p.op == OpConv2d && !d.depthwise && d.groups > 1 && d.coutG < kConvBlock && d.cinG <= 4;
  d.act = p.residual >= 0 ? Activation{} : p.act;  // with a residual, the runtime's epilogue adds it, then activates
  d.hwio = copyTensor(cnn, tensors[p.weights], i, p, "weights");
  float* bias = zeros(cnn, d.outC, "bias");
  if (p.bias >= 0) std::memcpy(bias, copyTensor(cnn, tensors[p.bias], i, p, "bias"), size_t(d.outC) * sizeof(float));
  d.bias = bias;
  float* bp = zeros(cnn, d.groups * d.nbG * kConvBlock, "packed bias");
  for (int64_t g = 0; g < d.groups; g++)
    for (int64_t o = 0; o < d.coutG; o++) bp[g * d.nbG * kConvBlock + o] = bias[g * d.coutG + o];
  d.biasPacked = bp;
  d.zeros = zeros(cnn, d.cinG, "zero row");
  if (!d.depthwise && !d.smallGroups) {
    float* packed = zeros(cnn, d.groups * d.nbG * int64_t(d.kh) * d.kw * d.cinG * kConvBlock, "packed conv weights");
    packConvWeights(d, d.hwio, packed);
    d.packed = packed;
  }
}

void setupWeights(Cnn& cnn, CnnOp& op, int64_t i, const std::vector<TensorView>& tensors) {
  const PlanOp& p = op.p;
  switch (p.op) {
    case OpConv2d:
    case OpDense: setupConv(cnn, op, i, tensors); break;
    case OpBatchNorm:
      op.weights = copyTensor(cnn, tensors[p.weights], i, p, "scale");
      op.bias = copyTensor(cnn, tensors[p.bias], i, p, "shift");
      break;
    case OpPrelu: op.weights = copyTensor(cnn, tensors[p.weights], i, p, "alpha"); break;
    case OpConv2dTranspose: {
      const float* w = copyTensor(cnn, tensors[p.weights], i, p, "weights");
      float* packed = zeros(cnn, expectedWeights(p), "transposed conv weights");
      repackTransposeWeights(p, w, packed);
      op.weights = packed;
      float* bias = zeros(cnn, p.outC, "bias");
      if (p.bias >= 0) std::memcpy(bias, copyTensor(cnn, tensors[p.bias], i, p, "bias"), size_t(p.outC) * sizeof(float));
      op.bias = bias;
      break;
    }
    case OpUpsample2d: {
      const bool bilinear = (p.flags & kFlagBilinear) != 0;
      op.ys = buildUpsampleAxis(p.inH, p.sh, bilinear, p.coordinateMode, p.nearestMode);
      op.xs = buildUpsampleAxis(p.inW, p.sw, bilinear, p.coordinateMode, p.nearestMode);
      break;
    }
    default: break;
  }
}

struct Dims {
  int64_t h, w, c;
  bool operator==(const Dims& o) const { return h == o.h && w == o.w && c == o.c; }
};

// Checks what op i reads against the values' shapes and records the shape-dependent parameters.
void checkInputs(CnnOp& op, int64_t i, const std::vector<Dims>& dims) {
  const PlanOp& p = op.p;
  const Dims in0{p.inH, p.inW, p.inC}, out{p.outH, p.outW, p.outC};
  for (size_t k = 0; k < op.inputs.size(); k++) {
    const int64_t v = op.inputs[k];
    if (v < 0 || v > i) bad(i, &p, "input " + std::to_string(k) + " reads value " + std::to_string(v) + ", which is not computed before it");
  }
  if (p.residual > i) bad(i, &p, "the residual input is not computed before the op");
  if (p.residual >= 0 && !(dims[size_t(p.residual)] == out)) bad(i, &p, "the residual input's shape differs from the output's");
  if (!(dims[size_t(op.inputs[0])] == in0)) bad(i, &p, "input 0's shape does not match the op's input shape");
  switch (p.op) {
    case OpAdd:
      for (int64_t v : op.inputs)
        if (!(dims[size_t(v)] == out)) bad(i, &p, "add inputs differ in shape");
      break;
    case OpMultiply: {
      const Dims b = dims[size_t(op.inputs[1])];
      if (b == out)
        op.multiplierSize = p.outSize();
      else if (b.h == 1 && b.w == 1 && (b.c == p.outC || b.c == 1))
        op.multiplierSize = b.c;
      else
        bad(i, &p, "multiply's second input neither matches nor broadcasts");
      break;
    }
    case OpConcat: {
      int64_t c = 0;
      for (int64_t v : op.inputs) {
        const Dims d = dims[size_t(v)];
        if (d.h != p.outH || d.w != p.outW) bad(i, &p, "concat inputs differ in spatial size");
        op.inputChannels.push_back(d.c);
        c += d.c;
      }
      if (c != p.outC) bad(i, &p, "concat output channels are not the sum of its inputs'");
      break;
    }
    default: break;
  }
}

// Every value's arena range must be inside the arena and must not meet any other value alive at
// the op that writes it (alive: written before or by that op and read by it or later).
void checkArena(Cnn& cnn, int64_t numOps, const std::vector<Dims>& dims) {
  const int64_t numValues = numOps + 1;
  std::vector<int64_t> last(size_t(numValues), -1);
  std::vector<int64_t> sizes(size_t(numValues), 0);
  for (int64_t i = 0; i < numOps; i++) {
    const CnnOp& op = cnn.ops[size_t(i)];
    for (int64_t v : op.inputs) last[size_t(v)] = i;
    if (op.p.residual >= 0) last[size_t(op.p.residual)] = i;
  }
  last[size_t(numOps)] = numOps;
  for (int64_t v = 0; v < numValues; v++) {
    sizes[size_t(v)] = dims[size_t(v)].h * dims[size_t(v)].w * dims[size_t(v)].c;
    if (v > 0 && v < numOps && last[size_t(v)] < 0) bad(v - 1, &cnn.ops[size_t(v - 1)].p, "its output is never read");
    if (cnn.valueOffset[size_t(v)] >= 0) cnn.arenaFloats = std::max(cnn.arenaFloats, cnn.valueOffset[size_t(v)] + sizes[size_t(v)]);
  }
  for (int64_t i = 0; i < numOps; i++) {
    const int64_t v = i + 1, at = cnn.valueOffset[size_t(v)];
    if (at < 0) continue;
    for (int64_t u = 0; u < numValues; u++) {
      const int64_t uAt = cnn.valueOffset[size_t(u)];
      if (u == v || uAt < 0 || u > i || last[size_t(u)] < i) continue;  // external, not yet written, or dead
      if (at < uAt + sizes[size_t(u)] && uAt < at + sizes[size_t(v)]) bad(i, &cnn.ops[size_t(i)].p, "its output overlaps the memory of value " + std::to_string(u) + " while that is still read");
    }
  }
}

}  // namespace

std::shared_ptr<Cnn> buildCnn(const double* records, int64_t numOps, const std::vector<TensorView>& tensors, const double* edges, int64_t numEdges, bool nchw,
                              int64_t inputSize, int64_t outputSize, int64_t inputOffset) {
  auto cnn = std::make_shared<Cnn>();
  cnn->nchw = nchw;
  cnn->inputSize = inputSize;
  cnn->outputSize = outputSize;
  if (numOps < 1) throw CodedError("ERR_INVALID_MODEL", "the plan has no ops");
  if (nchw ? inputOffset < 0 : inputOffset != -1) throw CodedError("ERR_INVALID_MODEL", "the input offset does not match the layout");
  const int numTensors = int(tensors.size());
  std::vector<Dims> dims;
  cnn->valueOffset.push_back(inputOffset);
  for (int64_t i = 0; i < numOps; i++) {
    CnnOp op;
    std::string err = readPlanOp(records + i * kRecordSize, numTensors, &op.p);
    if (!err.empty()) bad(i, nullptr, err);
    const PlanOp& p = op.p;
    if (i == 0) {
      if (p.inSize() != inputSize) bad(i, &p, "input size " + std::to_string(p.inSize()) + " does not match inputSize " + std::to_string(inputSize));
      dims.push_back({p.inH, p.inW, p.inC});
    }
    if (p.inputsAt + p.numInputs > numEdges) bad(i, &p, "its input list runs past the edges");
    for (int k = 0; k < p.numInputs; k++) {
      const double e = edges[p.inputsAt + k];
      if (!(e >= 0 && e <= double(i)) || e != std::floor(e)) bad(i, &p, "input " + std::to_string(k) + " is not a value computed before the op");
      op.inputs.push_back(int64_t(e));
    }
    checkInputs(op, i, dims);
    if (p.act.code == ActSoftmax && i != numOps - 1) bad(i, &p, "softmax is only supported on the final op");
    const bool last = i == numOps - 1;
    if (p.outOffset < 0 && !(last && !nchw)) bad(i, &p, "only the last op of an NHWC model writes outside the arena");
    if (p.outOffset >= 0 && last && !nchw) bad(i, &p, "the last op of an NHWC model writes the caller's output");
    auto checkSize = [&](int idx, int64_t expected, const char* what) {
      if (expected == 0 || idx < 0) return;
      if (tensors[idx].length != expected)
        bad(i, &p, std::string(what) + " has " + std::to_string(tensors[idx].length) + " values, expected " + std::to_string(expected));
    };
    checkSize(p.weights, expectedWeights(p), "weights");
    checkSize(p.bias, expectedBias(p), "bias");
    setupWeights(*cnn, op, i, tensors);
    const bool weighted = p.op == OpConv2d || p.op == OpDense || p.op == OpConv2dTranspose;
    cnn->workPerSample += p.inSize() + p.outSize() * (weighted ? int64_t(p.kh) * p.kw * (p.inC / std::max(1, p.groups)) : 1);
    dims.push_back({p.outH, p.outW, p.outC});
    cnn->valueOffset.push_back(p.outOffset);
    cnn->ops.push_back(std::move(op));
  }
  if (cnn->ops.back().p.outSize() != outputSize) bad(numOps - 1, &cnn->ops.back().p, "output size does not match outputSize " + std::to_string(outputSize));
  checkArena(*cnn, numOps, dims);
  return cnn;
}

}  // namespace cnn2mlp
