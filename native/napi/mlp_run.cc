// mlpRun / mlpRunSync(mlp, input, batch, threads, output): runs a converted MLP on `batch` samples.
// input: Float32Array(batch × inputSize), output: Float32Array(batch × outputSize), written in place.
// The async form keeps the Mlp (shared_ptr) alive until the promise settles, so a dispose() or a
// dropped reference during the run is safe; it runs on a native copy of the input and copies the
// result into output on completion (napi/job_io.h), so a transfer or resize() of either is too.
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

Napi::Value MlpRun(const Napi::CallbackInfo& info) {
  expectArgs(info, 5, "mlpRun");
  std::shared_ptr<Mlp> mlp = unwrapMlp(info.Env(), info[0]);
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
