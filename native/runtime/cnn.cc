#include "runtime/cnn.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels/activation.h"
#include "kernels/cnn_ops.h"
#include "runtime/cpu.h"
#include "runtime/dispatch.h"
#include "runtime/thread_pool.h"

namespace cnn2mlp {

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

// Where value v of sample n lives: the arena at the value's offset, or the caller's input
// (value 0 of an NHWC model) or output (the last value of an NHWC model).
struct Values {
  const Cnn& cnn;
  const float* in;
  float* out;
  float* arena;
  float* ptr(int64_t v, int64_t n) const {
    const int64_t at = cnn.valueOffset[size_t(v)];
    if (at >= 0) return arena + n * cnn.arenaFloats + at;
    return v == 0 ? const_cast<float*>(in) + n * cnn.inputSize : out + n * cnn.outputSize;
  }
  int64_t pitch(int64_t v) const { return cnn.valueOffset[size_t(v)] >= 0 ? cnn.arenaFloats : v == 0 ? cnn.inputSize : cnn.outputSize; }
};

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

bool byRows(int op) { return op == OpMaxPool2d || op == OpAvgPool2d || op == OpAdd || op == OpMultiply || op == OpConcat || op == OpUpsample2d || op == OpCropping2d || op == OpConv2dTranspose; }

// Output rows [y0, y1) of a row-split op (pooling, the graph ops, transposed conv) for sample n.
void runRows(const CnnOp& op, const Values& V, int64_t n, float* dst, int64_t y0, int64_t y1) {
  const PlanOp& p = op.p;
  const float* s = V.ptr(op.inputs[0], n);
  const float* ins[kMaxOpInputs];
  if (p.op == OpAdd || p.op == OpConcat)
    for (int k = 0; k < p.numInputs; k++) ins[k] = V.ptr(op.inputs[size_t(k)], n);
  switch (p.op) {
    case OpMaxPool2d:
    case OpAvgPool2d:
      for (int64_t y = y0; y < y1; y++) poolRow(p, s, dst, y);
      break;
    case OpAdd: addRows(p, ins, dst, y0, y1); break;
    case OpMultiply: multiplyRows(p, s, V.ptr(op.inputs[1], n), op.multiplierSize, dst, y0, y1); break;
    case OpConcat: concatRows(p, ins, op.inputChannels.data(), dst, y0, y1); break;
    case OpUpsample2d: upsampleRows(p, op.ys, op.xs, s, dst, y0, y1); break;
    case OpCropping2d: cropRows(p, s, dst, y0, y1); break;
    case OpConv2dTranspose: convTransposeRows(p, op.weights, op.bias, s, dst, y0, y1); break;
    default: break;
  }
}

// Output pixels [p0, p1) × units [u0, u1) of a conv for sample n, then (fused residual add) the
// skip tensor added and the activation applied to the same block while it is in cache.
void runConvChunk(const CnnOp& op, const ConvKernels& kernel, const Values& V, int64_t n, float* dst, int64_t p0, int64_t p1, int64_t u0, int64_t u1) {
  const ConvDesc& d = op.conv;
  const bool byChannel = d.depthwise || d.smallGroups;  // these kernels cover all channels per call
  const ConvRowFn fn = d.depthwise ? kernel.depthwise : d.smallGroups ? kernel.grouped : kernel.general;
  fn(d, V.ptr(op.inputs[0], n), dst, p0, p1, u0, u1);
  if (op.p.residual < 0) return;
  const float* res = V.ptr(op.p.residual, n);
  if (byChannel) return residualEpilogue(op.p, res, dst, p0, p1, 0, d.outC);
  for (int64_t u = u0; u < u1; u++) {
    const int64_t g = u / d.nbG, b = u % d.nbG;
    residualEpilogue(op.p, res, dst, p0, p1, g * d.coutG + b * kConvBlock, g * d.coutG + std::min<int64_t>(d.coutG, (b + 1) * kConvBlock));
  }
}

// Runs one non-dense op on one sample, the whole output in one call, activation and softmax included.
void runOpOnSample(const CnnOp& op, const ConvKernels& kernel, const Values& V, int64_t n, float* dst) {
  const PlanOp& p = op.p;
  if (p.op == OpConv2d) {
    const ConvDesc& d = op.conv;
    runConvChunk(op, kernel, V, n, dst, 0, p.outH * p.outW, 0, d.depthwise || d.smallGroups ? 1 : d.groups * d.nbG);
  } else if (byRows(p.op)) {
    runRows(op, V, n, dst, 0, p.outH);
  } else {
    runPerSampleOp(op, V.ptr(op.inputs[0], n), dst);
  }
  if (p.act.code == ActSoftmax) applyActivation(p.act, dst, p.outSize(), p.outC);
}

// Multiply-adds of one conv or dense op for one sample (0 for the ops without a reduction).
int64_t opWork(const CnnOp& op) {
  const ConvDesc& d = op.conv;
  if (op.p.op == OpDense) return d.inC * d.outC;
  if (op.p.op != OpConv2d) return 0;
  return d.outH * d.outW * d.outC * int64_t(d.kh) * d.kw * d.cinG;
}

// Below this many multiply-adds (~50 µs on one core) an op runs on the calling thread alone:
// waking a second thread and waiting for it at the barrier costs about as much as it saves.
constexpr int64_t kMinParallelWork = int64_t(1) << 21;

// One op over the whole batch, split over threads by samples × output chunks.
void runOpOnBatch(const CnnOp& op, int64_t i, const ConvKernels& kernel, const Values& V, int64_t batch, int threads) {
  const PlanOp& p = op.p;
  const int64_t v = i + 1;
  if (opWork(op) * batch < kMinParallelWork) threads = 1;
  switch (p.op) {
    case OpConv2d: {
      const ConvDesc& d = op.conv;
      const bool byChannel = d.depthwise || d.smallGroups;
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
        runConvChunk(op, kernel, V, n, V.ptr(v, n), pcI * pc, std::min(P, (pcI + 1) * pc), uc * per, std::min(units, (uc + 1) * per));
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
      d.inPitch = V.pitch(op.inputs[0]);
      d.outPitch = V.pitch(v);
      const float* src = V.ptr(op.inputs[0], 0);
      float* dst = V.ptr(v, 0);
      const int64_t per = std::min<int64_t>(2, kernel.unitsPerTile);
      parallelFor((d.nbG + per - 1) / per, threads, [&](int64_t c, int) { kernel.general(d, src, dst, 0, batch, c * per, std::min(d.nbG, (c + 1) * per)); });
      break;
    }
    default:
      if (byRows(p.op))
        parallelFor(batch * p.outH, threads, [&](int64_t c, int) { runRows(op, V, c / p.outH, V.ptr(v, c / p.outH), c % p.outH, c % p.outH + 1); });
      else
        parallelFor(batch, threads, [&](int64_t n, int) { runPerSampleOp(op, V.ptr(op.inputs[0], n), V.ptr(v, n)); });
  }
  if (p.act.code == ActSoftmax) parallelFor(batch, threads, [&](int64_t n, int) { applyActivation(p.act, V.ptr(v, n), p.outSize(), p.outC); });
}

}  // namespace

void runCnn(const Cnn& cnn, const float* in, int64_t batch, int threads, float* out) {
  const ConvKernels kernel = convKernelsFor(activeIsa());
  auto scratch = takeScratch(cnn, size_t(std::max<int64_t>(batch * cnn.arenaFloats, 1)));
  struct Return {
    const Cnn& c;
    std::pair<size_t, std::unique_ptr<float[]>>& s;
    ~Return() { giveScratch(c, std::move(s)); }
  } giveBack{cnn, scratch};
  const Values V{cnn, in, out, scratch.second.get()};
  const PlanOp& first = cnn.ops.front().p;
  const PlanOp& last = cnn.ops.back().p;
  const int64_t numOps = int64_t(cnn.ops.size());
  // NHWC models read the caller's input and write the caller's output in place; NCHW ones
  // transpose into and out of the arena.
  if (cnn.nchw) parallelFor(batch, threads, [&](int64_t n, int) { chwToHwc(first.inH, first.inW, first.inC, in + n * cnn.inputSize, V.ptr(0, n)); });
  // Sample-major prefix: with enough samples to share out evenly, the ops before the first dense
  // one run sample by sample, each sample through all of them on one thread. Its activations
  // (one arena, 400 KB for the seed network) then stay in that core's L2 from op to op, instead
  // of each op writing the whole batch's tensor (6.5 MB for conv1 at batch 32) out to L3 or
  // memory and the next reading it back; and there is one thread barrier, not one per op.
  // Dense ops need the batch (it is their GEMM dimension), so they and all later ops run
  // op-major. Same kernels and per-sample results as the op-major loop.
  int64_t prefix = 0;
  if (batch >= 4 * int64_t(std::max(threads, 1)))
    while (prefix < numOps && cnn.ops[size_t(prefix)].p.op != OpDense) prefix++;
  if (prefix > 0)
    parallelFor(batch, threads, [&](int64_t n, int) {
      for (int64_t i = 0; i < prefix; i++) runOpOnSample(cnn.ops[size_t(i)], kernel, V, n, V.ptr(i + 1, n));
    });
  for (int64_t i = prefix; i < numOps; i++) runOpOnBatch(cnn.ops[size_t(i)], i, kernel, V, batch, threads);
  if (cnn.nchw) parallelFor(batch, threads, [&](int64_t n, int) { hwcToChw(last.outH, last.outW, last.outC, V.ptr(numOps, n), out + n * cnn.outputSize); });
}

}  // namespace cnn2mlp
