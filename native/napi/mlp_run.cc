// mlpRun / mlpRunSync(mlp, input, batch, threads, output): runs a converted MLP on `batch` samples.
// input: Float32Array(batch × inputSize), output: Float32Array(batch × outputSize), written in place.
// The async form keeps the Mlp (shared_ptr) and both arrays alive until the promise settles, so a
// dispose() or a dropped reference during the run is safe.
#include "napi/common.h"
#include "napi/mlp_handle.h"
#include "runtime/mlp_exec.h"
#include "runtime/thread_pool.h"

namespace cnn2mlp {
namespace {

struct RunArgs {
  std::shared_ptr<Mlp> mlp;
  const float* in;
  float* out;
  int64_t batch;
  int threads;
};

RunArgs runArgs(const Napi::CallbackInfo& info, const char* fn) {
  Napi::Env env = info.Env();
  expectArgs(info, 5, fn);
  RunArgs a;
  a.mlp = unwrapMlp(env, info[0]);
  Napi::Float32Array in = argFloat32(info, 1, "input");
  a.batch = argInt(info, 2, "batch", 1, 1 << 20);
  a.threads = static_cast<int>(argInt(info, 3, "threads", 1, kMaxThreads));
  Napi::Float32Array out = argFloat32(info, 4, "output");
  const Mlp& m = *a.mlp;
  if (int64_t(in.ElementLength()) != a.batch * m.inputSize)
    throwRange(env, "Expected input of batch × inputSize = " + std::to_string(a.batch * m.inputSize) + " floats but received " + std::to_string(in.ElementLength()));
  if (int64_t(out.ElementLength()) != a.batch * m.outputSize)
    throwRange(env, "Expected output of batch × outputSize = " + std::to_string(a.batch * m.outputSize) + " floats but received " + std::to_string(out.ElementLength()));
  a.in = in.Data();
  a.out = out.Data();
  const char* i0 = reinterpret_cast<const char*>(a.in);
  const char* o0 = reinterpret_cast<const char*>(a.out);
  if (i0 < o0 + out.ByteLength() && o0 < i0 + in.ByteLength()) throwRange(env, "input and output must not share memory");
  return a;
}

Napi::Value MlpRun(const Napi::CallbackInfo& info) {
  RunArgs a = runArgs(info, "mlpRun");
  return startJob(
      info.Env(), "cnn2mlp.mlpRun", [a] { mlpExecute(*a.mlp, a.in, a.batch, a.threads, a.out); },
      [](Napi::Env env) { return env.Undefined(); }, {info[0], info[1], info[4]});
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
