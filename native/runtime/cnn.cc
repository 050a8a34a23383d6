#include "runtime/cnn.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels/activation.h"
#include "kernels/cnn_ops.h"
#include "napi/common.h"
#include "runtime/cpu.h"
#include "runtime/thread_pool.h"

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
  d.act = p.act;
  d.hwio = copyTensor(cnn, tensors[p.weights], i, p, "weights");
  float* bias = zeros(cnn, d.outC, "bias");
  if (p.bias >= 0) std::memcpy(bias, copyTensor(cnn, tensors[p.bias], i, p, "bias"), size_t(d.outC) * sizeof(float));
  d.bias = bias;
  float* bp = zeros(cnn, d.groups * d.nbG * kConvBlock, "packed bias");
  for (int64_t g = 0; g < d.groups; g++)
    for (int64_t o = 0; o < d.coutG; o++) bp[g * d.nbG * kConvBlock + o] = bias[g * d.coutG + o];
  d.biasPacked = bp;
  if (!d.depthwise) {
    float* packed = zeros(cnn, d.groups * d.nbG * int64_t(d.kh) * d.kw * d.cinG * kConvBlock, "packed conv weights");
    packConvWeights(d, d.hwio, packed);
    d.packed = packed;
  }
}

}  // namespace

std::shared_ptr<Cnn> buildCnn(const double* records, int64_t numOps, const std::vector<TensorView>& tensors, bool nchw, int64_t inputSize, int64_t outputSize) {
  auto cnn = std::make_shared<Cnn>();
  cnn->nchw = nchw;
  cnn->inputSize = inputSize;
  cnn->outputSize = outputSize;
  if (numOps < 1) throw CodedError("ERR_INVALID_MODEL", "the plan has no ops");
  const int numTensors = int(tensors.size());
  for (int64_t i = 0; i < numOps; i++) {
    CnnOp op;
    std::string err = readPlanOp(records + i * kRecordSize, numTensors, &op.p);
    if (!err.empty()) bad(i, nullptr, err);
    const PlanOp& p = op.p;
    if (i == 0 && p.inSize() != inputSize) bad(i, &p, "input size " + std::to_string(p.inSize()) + " does not match inputSize " + std::to_string(inputSize));
    if (i > 0) {
      const PlanOp& q = cnn->ops.back().p;
      if (p.inH != q.outH || p.inW != q.outW || p.inC != q.outC) bad(i, &p, "input shape does not match the previous op's output");
    }
    if (p.act.code == ActSoftmax && i != numOps - 1) bad(i, &p, "softmax is only supported on the final op");
    auto checkSize = [&](int idx, int64_t expected, const char* what) {
      if (expected == 0) return;
      if (idx < 0) return;
      if (tensors[idx].length != expected)
        bad(i, &p, std::string(what) + " has " + std::to_string(tensors[idx].length) + " values, expected " + std::to_string(expected));
    };
    checkSize(p.weights, expectedWeights(p), "weights");
    checkSize(p.bias, expectedBias(p), "bias");
    switch (p.op) {
      case OpConv2d:
      case OpDense: setupConv(*cnn, op, i, tensors); break;
      case OpBatchNorm:
        op.weights = copyTensor(*cnn, tensors[p.weights], i, p, "scale");
        op.bias = copyTensor(*cnn, tensors[p.bias], i, p, "shift");
        break;
      case OpPRelu: op.weights = copyTensor(*cnn, tensors[p.weights], i, p, "alpha"); break;
      default: break;
    }
    cnn->maxSize = std::max({cnn->maxSize, p.inSize(), p.outSize()});
    cnn->ops.push_back(op);
  }
  if (cnn->ops.back().p.outSize() != outputSize) bad(numOps - 1, &cnn->ops.back().p, "output size does not match outputSize " + std::to_string(outputSize));
  return cnn;
}

void runCnn(const Cnn& cnn, const float* in, int64_t batch, int threads, float* out) {
  const ConvKernel& kernel = convKernelFor(activeIsa());
  const int64_t stride = cnn.maxSize;
  std::unique_ptr<float[]> bufA(new float[size_t(batch * stride)]);
  std::unique_ptr<float[]> bufB(new float[size_t(batch * stride)]);
  float* cur = bufA.get();
  float* nxt = bufB.get();
  const PlanOp& first = cnn.ops.front().p;
  // Samples sit `stride` floats apart in the scratch buffers.
  parallelFor(batch, threads, [&](int64_t n, int) {
    const float* src = in + n * cnn.inputSize;
    if (cnn.nchw)
      chwToHwc(first.inH, first.inW, first.inC, src, cur + n * stride);
    else
      std::memcpy(cur + n * stride, src, size_t(cnn.inputSize) * sizeof(float));
  });
  for (const CnnOp& op : cnn.ops) {
    const PlanOp& p = op.p;
    switch (p.op) {
      case OpConv2d: {
        const ConvDesc& d = op.conv;
        const ConvRowFn fn = d.depthwise ? kernel.depthwise : kernel.general;
        const int64_t units = d.depthwise ? 1 : d.groups * d.nbG;
        const int64_t per = d.depthwise ? 1 : kernel.unitsPerTile;
        const int64_t uChunks = (units + per - 1) / per;
        parallelFor(batch * p.outH * uChunks, threads, [&](int64_t c, int) {
          const int64_t uc = c % uChunks, rest = c / uChunks;
          const int64_t oy = rest % p.outH, n = rest / p.outH;
          fn(d, cur + n * stride, nxt + n * stride, oy, uc * per, std::min(units, (uc + 1) * per));
        });
        break;
      }
      case OpDense: {
        // The batch as a 1 × batch image of inC channels: rows of the GEMM become pixels, so the
        // conv tile reuses each weight vector across several samples. Samples are `stride` apart,
        // so the "image" has a pixel pitch of `stride` floats.
        ConvDesc d = op.conv;
        d.inW = d.outW = batch;
        d.inPitch = d.outPitch = stride;
        const int64_t units = d.nbG;
        parallelFor(units, threads, [&](int64_t u, int) {
          const ConvRowFn fn = kernel.general;
          fn(d, cur, nxt, 0, u, u + 1);
        });
        break;
      }
      case OpMaxPool:
      case OpAvgPool:
        parallelFor(batch * p.outH, threads, [&](int64_t c, int) { poolRow(p, cur + (c / p.outH) * stride, nxt + (c / p.outH) * stride, c % p.outH); });
        break;
      default:
        parallelFor(batch, threads, [&](int64_t n, int) {
          const float* s = cur + n * stride;
          float* t = nxt + n * stride;
          switch (p.op) {
            case OpGlobalAvgPool:
            case OpGlobalMaxPool: globalPool(p, s, t); break;
            case OpBatchNorm: batchNorm(p, op.weights, op.bias, s, t); break;
            case OpZeroPad: zeroPad(p, s, t); break;
            case OpPRelu: prelu(p, op.weights, s, t); break;
            case OpActivation: activationOp(p, s, t); break;
            case OpFlatten: flatten(p, s, t); break;
            default: break;
          }
        });
    }
    if (p.act.code == ActSoftmax)
      parallelFor(batch, threads, [&](int64_t n, int) { applyActivation(p.act, nxt + n * stride, p.outSize(), p.outC); });
    std::swap(cur, nxt);
  }
  const PlanOp& last = cnn.ops.back().p;
  parallelFor(batch, threads, [&](int64_t n, int) {
    float* dst = out + n * cnn.outputSize;
    if (cnn.nchw)
      hwcToChw(last.outH, last.outW, last.outC, cur + n * stride, dst);
    else
      std::memcpy(dst, cur + n * stride, size_t(cnn.outputSize) * sizeof(float));
  });
}

}  // namespace cnn2mlp
