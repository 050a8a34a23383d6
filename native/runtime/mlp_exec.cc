// Layer-by-layer MLP execution. Batch 1 keeps activations as plain vectors padded with zeros to a
// multiple of 16 (the GEMV reads x to ld); batch > 1 transposes the input once into feature-major
// panels [features][bp] (bp = batch rounded up to 16), which is the packed layout GEMM and SpMM
// stream, keeps every intermediate in that layout and transposes back once at the end.
#include "runtime/mlp_exec.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "kernels/activation.h"
#include "runtime/dispatch.h"
#include "runtime/memory.h"
#include "runtime/thread_pool.h"

namespace cnn2mlp {

void balancedCsrChunks(const int64_t* rowPtr, int64_t rows, int64_t chunks, int64_t* bounds) {
  const int64_t nnz = rowPtr[rows];
  bounds[0] = 0;
  for (int64_t c = 1; c < chunks; c++) {
    const int64_t target = static_cast<int64_t>((static_cast<__int128>(nnz) * c) / chunks);
    int64_t r = std::lower_bound(rowPtr, rowPtr + rows + 1, target) - rowPtr;
    bounds[c] = std::max(bounds[c - 1], std::min(r, rows));
  }
  bounds[chunks] = rows;
}

namespace {

// Activation scratch cached per calling thread (each job thread, or the JS thread for the sync
// form, runs one MLP at a time), so repeated runs skip the mmap + page faults of fresh buffers.
// Still per run: two runs never share a thread's scratch at once. Large blocks are not kept.
struct Scratch {
  static constexpr size_t kKeep = size_t(64) << 20;
  std::shared_ptr<Buffer> buf[2];
  float* get(int i, size_t bytes) {
    if (!buf[i] || buf[i]->size() < bytes) {
      buf[i].reset();
      buf[i] = Buffer::allocate(bytes, "MLP activations");
    }
    return buf[i]->as<float>();
  }
  void trim() {
    for (auto& b : buf)
      if (b && b->size() > kKeep) b.reset();
  }
};

Scratch& threadScratch() {
  thread_local Scratch s;
  return s;
}

// Dense chunks: whole row tiles (12 = a multiple of every dense kernel's R), about 4 chunks per
// thread for balance, none smaller than ~1 M multiply-adds so tiny layers run on one thread. A
// coarser rounding (48) gave two threads 576 and 448 rows of a 1024-row layer.
int64_t denseChunkRows(int64_t rows, int64_t cols, int64_t lanes, int threads) {
  const int64_t minRows = std::max<int64_t>(1, (1 << 20) / std::max<int64_t>(1, cols * lanes));
  int64_t per = (rows + threads * 4 - 1) / (threads * 4);
  per = std::max(per, minRows);
  return (per + 11) / 12 * 12;
}

// Batch 1: x = in zero-padded to the GEMV's ld. Batch > 1: [batch][nIn] → [nIn][bp] in blocks of
// 64 features (reads contiguous runs, writes stay in L1); padding lanes are zeroed so reused
// scratch never carries stale values (or slow denormals).
void packInput(const float* in, int64_t nIn, int64_t batch, int64_t bp, int threads, float* x) {
  if (batch == 1) {
    std::memcpy(x, in, size_t(nIn) * 4);
    for (int64_t k = nIn; k < denseLd(nIn); k++) x[k] = 0.f;
    return;
  }
  const int64_t blocks = (nIn + 63) / 64;
  parallelFor(blocks, threads, [&](int64_t blk, int) {
    const int64_t k0 = blk * 64, k1 = std::min(nIn, k0 + 64);
    for (int64_t b = 0; b < batch; b++)
      for (int64_t k = k0; k < k1; k++) x[k * bp + b] = in[b * nIn + k];
    for (int64_t k = k0; k < k1; k++)
      for (int64_t b = batch; b < bp; b++) x[k * bp + b] = 0.f;
  });
}

// [nOut][bp] → [batch][nOut].
void unpackOutput(const float* x, int64_t nOut, int64_t batch, int64_t bp, int threads, float* out) {
  const int64_t blocks = (nOut + 63) / 64;
  parallelFor(blocks, threads, [&](int64_t blk, int) {
    const int64_t r0 = blk * 64, r1 = std::min(nOut, r0 + 64);
    for (int64_t b = 0; b < batch; b++)
      for (int64_t r = r0; r < r1; r++) out[b * nOut + r] = x[r * bp + b];
  });
}

struct LayerKernels {
  GemvFn gemv;
  GemmFn gemm;
  SpmvFn spmv;
  SpmmFn spmm;
  RcsrSpmvFn rspmv;
  RcsrSpmmFn rspmm;
  Bf16GemvFn bgemv;
  Bf16GemmFn bgemm;
  RcsrSpmvFn brspmv;
  RcsrSpmmFn brspmm;
};

// dst = act(W·x + b) for one layer in the run's layout (softmax excepted: the caller applies it),
// rows split into chunks over the pool; the activation runs on each chunk right after its rows.
void runLayer(const MlpLayer& l, const LayerKernels& k, const float* x, float* dst, int64_t batch, int64_t bp, int threads, std::vector<int64_t>& bounds) {
  const Activation act = l.act;
  const bool fuseAct = act.code != ActSoftmax;
  auto epilogue = [&](int64_t r0, int64_t r1) {
    if (fuseAct) applyActivation(act, dst + r0 * bp, (r1 - r0) * bp, 1);
  };
  if (l.format == MatrixFormat::Dense) {
    const int64_t per = denseChunkRows(l.rows, l.cols, bp, threads);
    const int64_t chunks = (l.rows + per - 1) / per;
    parallelFor(chunks, threads, [&](int64_t c, int) {
      const int64_t r0 = c * per, r1 = std::min(l.rows, r0 + per);
      if (l.values16 && batch == 1)
        k.bgemv(l.values16, l.ld, x, l.bias, dst, r0, r1);
      else if (l.values16)
        k.bgemm(l.values16, l.ld, l.cols, x, bp, l.bias, dst, r0, r1);
      else if (batch == 1)
        k.gemv(l.values, l.ld, x, l.bias, dst, r0, r1);
      else
        k.gemm(l.values, l.ld, l.cols, x, bp, l.bias, dst, r0, r1);
      epilogue(r0, r1);
    });
    return;
  }
  const int64_t work = l.nnz * bp + l.rows;
  int64_t chunks = std::min<int64_t>(threads * 4, std::max<int64_t>(1, work / (1 << 18)));
  chunks = std::max<int64_t>(1, std::min(chunks, l.rows));
  bounds.resize(size_t(chunks + 1));
  balancedCsrChunks(l.rowPtr, l.rows, chunks, bounds.data());
  // Run-CSR: cut on multiples of the value chunk (conv layers' chunks start there), so no chunk is
  // computed by two threads.
  if (l.format == MatrixFormat::Rcsr)
    for (int64_t c = 1; c < chunks; c++) bounds[c] = std::min(l.rows, (bounds[c] + kRcsrChunk / 2) / kRcsrChunk * kRcsrChunk);
  const RcsrView m{l.rows, l.rowPtr, l.rowPat, l.patPtr, l.runs, l.values, l.values16};
  const bool runs = l.format == MatrixFormat::Rcsr;
  const RcsrSpmvFn rspmv = l.values16 ? k.brspmv : k.rspmv;
  const RcsrSpmmFn rspmm = l.values16 ? k.brspmm : k.rspmm;
  parallelFor(chunks, threads, [&](int64_t c, int) {
    const int64_t r0 = bounds[c], r1 = bounds[c + 1];
    if (r0 >= r1) return;
    if (runs && batch == 1)
      rspmv(m, x, l.bias, dst, r0, r1);
    else if (runs)
      rspmm(m, x, bp, l.bias, dst, r0, r1);
    else if (batch == 1)
      k.spmv(l.rowPtr, l.colIdx, l.values, x, l.bias, dst, r0, r1);
    else
      k.spmm(l.rowPtr, l.colIdx, l.values, x, bp, l.bias, dst, r0, r1);
    epilogue(r0, r1);
  });
}

}  // namespace

void mlpExecute(const Mlp& mlp, const float* in, int64_t batch, int threads, float* out) {
  threads = resolveThreads(threads);
  int64_t maxWidth = mlp.inputSize;
  for (const auto& l : mlp.layers) maxWidth = std::max(maxWidth, l.rows);
  const int64_t padded = denseLd(maxWidth);
  const int64_t bp = batch == 1 ? 1 : (batch + 15) / 16 * 16;
  Scratch& scratch = threadScratch();
  const size_t need = size_t(padded * bp) * 4;
  float* x = scratch.get(0, need);
  float* y = scratch.get(1, need);
  struct Release {
    Scratch& s;
    ~Release() { s.trim(); }
  } release{scratch};
  packInput(in, mlp.inputSize, batch, bp, threads, x);
  const LayerKernels kernels{activeKernel(KernelOp::Gemv).fn.gemv, activeKernel(KernelOp::Gemm).fn.gemm, activeKernel(KernelOp::Spmv).fn.spmv,
                             activeKernel(KernelOp::Spmm).fn.spmm, activeKernel(KernelOp::SpmvRcsr).fn.rspmv,
                             activeKernel(KernelOp::SpmmRcsr).fn.rspmm, activeKernel(KernelOp::GemvBf16).fn.bgemv,
                             activeKernel(KernelOp::GemmBf16).fn.bgemm, activeKernel(KernelOp::SpmvRcsrBf16).fn.rspmv,
                             activeKernel(KernelOp::SpmmRcsrBf16).fn.rspmm};
  std::vector<int64_t> bounds;
  for (size_t li = 0; li < mlp.layers.size(); li++) {
    const MlpLayer& l = mlp.layers[li];
    const bool last = li + 1 == mlp.layers.size();
    // Batch 1 writes the last layer straight into `out` (kernels touch only rows [0, rows)).
    float* dst = batch == 1 && last ? out : y;
    runLayer(l, kernels, x, dst, batch, bp, threads, bounds);
    if (batch == 1 && !last) {
      // The next GEMV reads to denseLd(rows): clear what an earlier, wider layer left there.
      for (int64_t k = l.rows; k < denseLd(l.rows); k++) y[k] = 0.f;
    }
    std::swap(x, y);
  }
  // x now holds the last layer's output (batch 1: `out` was written directly).
  const int64_t nOut = mlp.outputSize;
  if (batch > 1) unpackOutput(x, nOut, batch, bp, threads, out);
  if (mlp.layers.back().act.code == ActSoftmax) applyActivation(mlp.layers.back().act, out, batch * nOut, nOut);
}

}  // namespace cnn2mlp
