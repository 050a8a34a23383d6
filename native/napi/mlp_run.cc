// mlpRun / mlpRunSync(mlp, input, batch, threads, output): runs a converted MLP on `batch` samples.
// input: Float32Array(batch × inputSize), output: Float32Array(batch × outputSize), written in place.
// Jobs of at most 2^21 multiply-adds run on the calling thread and return a settled promise. Larger
// ones keep the Mlp (shared_ptr) alive until the promise settles, so a dispose() or a dropped
// reference during the run is safe; they run on a native copy of the input and copy the result
// into output on completion (napi/job_io.h), so a transfer or resize() of either is too.
#include <cstdint>

#include "napi/common.h"
#include "napi/job_io.h"
#include "napi/mlp_handle.h"
#include "runtime/mlp_exec.h"
#include "runtime/thread_pool.h"

namespace cnn2mlp {
namespace {

struct RunArgs : RunIo {
  std::shared_ptr<Mlp> mlp;
};

RunArgs runArgs(const Napi::CallbackInfo& info, const char* fn) {
  expectArgs(info, 5, fn);
  std::shared_ptr<Mlp> mlp = unwrapMlp(info.Env(), info[0]);
  RunArgs a{runIoArgs(info, mlp->inputSize, mlp->outputSize, 1 << 20), mlp};
  return a;
}

// A job of at most this many multiply-adds (stored weights × batch) runs on the calling thread
// inside mlpRun, which returns a settled promise. An MLP streams its weights (~4 bytes per
// multiply-add), so 2^21 is ~8 MB: ~0.1–0.3 ms, about what the hop to a job thread and back
// through the event loop costs (40–120 µs on Zen 4), which would otherwise double its latency.
constexpr int64_t kInlineRunWork = int64_t(1) << 21;

int64_t workPerSample(const Mlp& mlp) {
  int64_t w = 0;
  for (const MlpLayer& l : mlp.layers) w += l.format == MatrixFormat::Dense ? l.rows * l.cols : l.nnz;
  return w;
}

Napi::Value MlpRun(const Napi::CallbackInfo& info) {
  expectArgs(info, 5, "mlpRun");
  std::shared_ptr<Mlp> mlp = unwrapMlp(info.Env(), info[0]);
  // Inline runs read and write the caller's arrays before returning, so they need no copies.
  if (info[2].IsNumber() && info[2].As<Napi::Number>().DoubleValue() * double(workPerSample(*mlp)) <= double(kInlineRunWork)) {
    const RunArgs a{runIoArgs(info, mlp->inputSize, mlp->outputSize, 1 << 20), mlp};
    return runNow(info.Env(), [&] { mlpExecute(*a.mlp, a.in, a.batch, a.threads, a.out); }, "out of memory for the MLP's activation buffers; use a smaller batch");
  }
  OwnedRunIo io = ownedRunIo(info, mlp->inputSize, mlp->outputSize, 1 << 20);
  return startJob(
      info.Env(), "cnn2mlp.mlpRun", [mlp, io] { mlpExecute(*mlp, io.input(), io.batch, io.threads, io.output()); },
      copyOutputOnDone(info[4], io, "runMlp"), {info[0]});
}

Napi::Value MlpRunSync(const Napi::CallbackInfo& info) {
  RunArgs a = runArgs(info, "mlpRunSync");
  // CodedError (ERR_TOO_LARGE for scratch) becomes a JS error via the Registration wrapper.
  mlpExecute(*a.mlp, a.in, a.batch, a.threads, a.out);
  return info.Env().Undefined();
}

Registration r1("mlpRun", MlpRun);
Registration r2("mlpRunSync", MlpRunSync);

}  // namespace
}  // namespace cnn2mlp
