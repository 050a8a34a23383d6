#include "runtime/cnn.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/errors.h"
#include "kernels/activation.h"
#include "kernels/cnn_ops.h"
#include "runtime/cpu.h"
#include "runtime/dispatch.h"
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
  d.smallGroups = p.op == OpConv2d && !d.depthwise && d.groups > 1 && d.coutG < kConvBlock && d.cinG <= 4;
  d.act = p.act;
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
      case OpPrelu: op.weights = copyTensor(*cnn, tensors[p.weights], i, p, "alpha"); break;
      default: break;
    }
    cnn->maxSize = std::max({cnn->maxSize, p.inSize(), p.outSize()});
    cnn->ops.push_back(op);
  }
  if (cnn->ops.back().p.outSize() != outputSize) bad(numOps - 1, &cnn->ops.back().p, "output size does not match outputSize " + std::to_string(outputSize));
  return cnn;
}

namespace {

// A scratch buffer of at least n floats, from the cache when one is big enough.
std::pair<size_t, std::unique_ptr<float[]>> takeScratch(const Cnn& cnn, size_t n) {
  {
    std::lock_guard<std::mutex> lock(cnn.scratchMu);
    for (auto it = cnn.scratch.begin(); it != cnn.scratch.end(); ++it)
      if (it->first >= n) {
        auto b = std::move(*it);
        cnn.scratch.erase(it);
        return b;
      }
  }
  return {n, std::unique_ptr<float[]>(new float[n])};
}

void giveScratch(const Cnn& cnn, std::pair<size_t, std::unique_ptr<float[]>> b) {
  std::lock_guard<std::mutex> lock(cnn.scratchMu);
  cnn.scratch.push_back(std::move(b));
  // Keep the two largest: enough for two concurrent runs, bounded memory.
  std::sort(cnn.scratch.begin(), cnn.scratch.end(), [](const auto& a, const auto& c) { return a.first > c.first; });
  if (cnn.scratch.size() > 2) cnn.scratch.resize(2);
}

// The ops that read and write one sample and need no kernel: global pools, batch-norm, zero
// padding, prelu, standalone activations, flatten (softmax is applied by the caller).
void runPerSampleOp(const CnnOp& op, const float* s, float* t) {
  const PlanOp& p = op.p;
  switch (p.op) {
    case OpGlobalAvgPool2d:
    case OpGlobalMaxPool2d: globalPool(p, s, t); break;
    case OpBatchNorm: batchNorm(p, op.weights, op.bias, s, t); break;
    case OpZeroPad2d: zeroPad(p, s, t); break;
    case OpPrelu: prelu(p, op.weights, s, t); break;
    case OpActivation: activationOp(p, s, t); break;
    case OpFlatten: flatten(p, s, t); break;
    default: break;
  }
}

// Runs one non-dense op on one sample (src → dst), the whole output in one call, activation and
// softmax included.
void runOpOnSample(const CnnOp& op, const ConvKernels& kernel, const float* s, float* t) {
  const PlanOp& p = op.p;
  switch (p.op) {
    case OpConv2d: {
      const ConvDesc& d = op.conv;
      if (d.depthwise)
        kernel.depthwise(d, s, t, 0, p.outH * p.outW, 0, 1);
      else if (d.smallGroups)
        kernel.grouped(d, s, t, 0, p.outH * p.outW, 0, 1);
      else
        kernel.general(d, s, t, 0, p.outH * p.outW, 0, d.groups * d.nbG);
      break;
    }
    case OpMaxPool2d:
    case OpAvgPool2d:
      for (int64_t oy = 0; oy < p.outH; oy++) poolRow(p, s, t, oy);
      break;
    default: runPerSampleOp(op, s, t); break;
  }
  if (p.act.code == ActSoftmax) applyActivation(p.act, t, p.outSize(), p.outC);
}

}  // namespace

void runCnn(const Cnn& cnn, const float* in, int64_t batch, int threads, float* out) {
  const ConvKernels kernel = convKernelsFor(activeIsa());
  const int64_t stride = cnn.maxSize;
  auto scratch = takeScratch(cnn, size_t(2 * batch * stride));
  struct Return {
    const Cnn& c;
    std::pair<size_t, std::unique_ptr<float[]>>& s;
    ~Return() { giveScratch(c, std::move(s)); }
  } giveBack{cnn, scratch};
  float* bufs[2] = {scratch.second.get(), scratch.second.get() + batch * stride};
  int which = 0;
  const PlanOp& first = cnn.ops.front().p;
  const PlanOp& last = cnn.ops.back().p;
  // Each op reads src (samples srcStride apart) and writes dst (dstStride apart). NHWC models read
  // the caller's input directly and write the caller's output directly; NCHW ones transpose
  // into and out of scratch.
  const float* src = in;
  int64_t srcStride = cnn.inputSize;
  if (cnn.nchw) {
    float* t = bufs[which];
    parallelFor(batch, threads, [&](int64_t n, int) { chwToHwc(first.inH, first.inW, first.inC, in + n * cnn.inputSize, t + n * stride); });
    src = t;
    srcStride = stride;
    which ^= 1;
  }
  const int64_t numOps = int64_t(cnn.ops.size());
  // Sample-major prefix: with enough samples to share out evenly, the ops before the first dense
  // one run sample by sample, each sample through all of them on one thread. Its activations
  // (2 × maxSize floats, 400 KB for the seed network) then stay in that core's L2 from op to op,
  // instead of each op writing the whole batch's tensor (6.5 MB for conv1 at batch 32) out to L3
  // or memory and the next reading it back; and there is one thread barrier, not one per op.
  // Dense ops need the batch (it is their GEMM dimension), so they and all later ops run
  // op-major as below. Same kernels and per-sample results as the op-major loop.
  int64_t prefix = 0;
  if (batch >= 4 * int64_t(std::max(threads, 1)))
    while (prefix < numOps && cnn.ops[size_t(prefix)].p.op != OpDense) prefix++;
  if (prefix > 0) {
    const float* src0 = src;
    const int64_t srcStride0 = srcStride;
    const int which0 = which;
    parallelFor(batch, threads, [&](int64_t n, int) {
      const float* s = src0 + n * srcStride0;
      int w = which0;
      for (int64_t i = 0; i < prefix; i++) {
        const bool direct = i == numOps - 1 && !cnn.nchw;
        float* t = direct ? out + n * cnn.outputSize : bufs[w] + n * stride;
        runOpOnSample(cnn.ops[size_t(i)], kernel, s, t);
        s = t;
        if (!direct) w ^= 1;
      }
    });
    for (int64_t i = 0; i < prefix; i++) {
      const bool direct = i == numOps - 1 && !cnn.nchw;
      src = direct ? out : bufs[which];
      srcStride = direct ? cnn.outputSize : stride;
      if (!direct) which ^= 1;
    }
  }
  for (int64_t i = prefix; i < numOps; i++) {
    const CnnOp& op = cnn.ops[size_t(i)];
    const PlanOp& p = op.p;
    const bool direct = i == numOps - 1 && !cnn.nchw;
    float* dst = direct ? out : bufs[which];
    const int64_t dstStride = direct ? cnn.outputSize : stride;
    switch (p.op) {
      case OpConv2d: {
        const ConvDesc& d = op.conv;
        const bool byChannel = d.depthwise || d.smallGroups;  // these kernels cover all channels per call
        const ConvRowFn fn = d.depthwise ? kernel.depthwise : d.smallGroups ? kernel.grouped : kernel.general;
        const int64_t units = byChannel ? 1 : d.groups * d.nbG;
        const int64_t per = byChannel ? 1 : kernel.unitsPerTile;
        const int64_t uChunks = (units + per - 1) / per;
        // Chunks of output pixels: big enough for several full register tiles, small enough for
        // ~8 chunks per thread when the batch alone does not provide them.
        const int64_t P = p.outH * p.outW;
        const int64_t want = (P * batch * uChunks + 8 * threads - 1) / (8 * threads);
        const int64_t pc = std::min(P, std::max<int64_t>(4 * kernel.pixelsPerTile, want));
        const int64_t pChunks = (P + pc - 1) / pc;
        parallelFor(batch * pChunks * uChunks, threads, [&](int64_t c, int) {
          const int64_t uc = c % uChunks, rest = c / uChunks;
          const int64_t pcI = rest % pChunks, n = rest / pChunks;
          fn(d, src + n * srcStride, dst + n * dstStride, pcI * pc, std::min(P, (pcI + 1) * pc), uc * per, std::min(units, (uc + 1) * per));
        });
        break;
      }
      case OpDense: {
        // The batch as a 1 × batch image: GEMM rows become pixels (pitch = the sample stride), so
        // the conv tile reuses each weight vector across several samples. Two 16-column blocks per
        // chunk (AVX-512: tile 12 samples × 32 columns) keep the chunk's weights (inC × 128 bytes)
        // and the batch's inputs L2-resident while the tiles sweep the batch.
        ConvDesc d = op.conv;
        d.inW = d.outW = batch;
        d.inPitch = srcStride;
        d.outPitch = dstStride;
        const int64_t per = std::min<int64_t>(2, kernel.unitsPerTile);
        parallelFor((d.nbG + per - 1) / per, threads, [&](int64_t c, int) { kernel.general(d, src, dst, 0, batch, c * per, std::min(d.nbG, (c + 1) * per)); });
        break;
      }
      case OpMaxPool2d:
      case OpAvgPool2d:
        parallelFor(batch * p.outH, threads, [&](int64_t c, int) { poolRow(p, src + (c / p.outH) * srcStride, dst + (c / p.outH) * dstStride, c % p.outH); });
        break;
      default:
        parallelFor(batch, threads, [&](int64_t n, int) { runPerSampleOp(op, src + n * srcStride, dst + n * dstStride); });
    }
    if (p.act.code == ActSoftmax)
      parallelFor(batch, threads, [&](int64_t n, int) { applyActivation(p.act, dst + n * dstStride, p.outSize(), p.outC); });
    src = dst;
    srcStride = dstStride;
    if (!direct) which ^= 1;
  }
  if (cnn.nchw)
    parallelFor(batch, threads, [&](int64_t n, int) { hwcToChw(last.outH, last.outW, last.outC, src + n * srcStride, out + n * cnn.outputSize); });
}

}  // namespace cnn2mlp
