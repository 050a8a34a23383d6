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

// firstNonFinite(x: Float32Array) → index of the first NaN/±Infinity, or -1. The TS input check
// calls it: a JS loop over millions of floats runs unoptimised for the first calls (~30 ns each).
Napi::Value FirstNonFinite(const Napi::CallbackInfo& info) {
  expectArgs(info, 1, "firstNonFinite");
  Napi::Float32Array x = argFloat32(info, 0, "x");
  const uint32_t* bits = reinterpret_cast<const uint32_t*>(x.Data());
  const size_t n = x.ElementLength();
  constexpr size_t kBlock = 4096;
  for (size_t b = 0; b < n; b += kBlock) {
    const size_t e = b + kBlock < n ? b + kBlock : n;
    uint32_t any = 0;  // branch-free per block so the compiler vectorises it
    for (size_t i = b; i < e; i++) any |= (bits[i] & 0x7f800000u) == 0x7f800000u;
    if (any)
      for (size_t i = b; i < e; i++)
        if ((bits[i] & 0x7f800000u) == 0x7f800000u) return Napi::Number::New(info.Env(), double(i));
  }
  return Napi::Number::New(info.Env(), -1);
}

Registration r1("mlpRun", MlpRun);
Registration r3("firstNonFinite", FirstNonFinite);
Registration r2("mlpRunSync", MlpRunSync);

}  // namespace
}  // namespace cnn2mlp
