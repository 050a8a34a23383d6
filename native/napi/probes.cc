// probeReadBandwidth(bytes, threads, reps) and probeFmaPeak(threads, seconds): async machine probes.
#include <memory>

#include "napi/common.h"
#include "runtime/probes.h"
#include "runtime/thread_pool.h"

namespace cnn2mlp {
namespace {

Napi::Value ProbeReadBandwidth(const Napi::CallbackInfo& info) {
  expectArgs(info, 3, "probeReadBandwidth");
  const int64_t bytes = argInt(info, 0, "bytes", 1 << 20, int64_t(1) << 36);
  const int threads = static_cast<int>(argInt(info, 1, "threads", 1, kMaxThreads));
  const int reps = static_cast<int>(argInt(info, 2, "reps", 1, 1000));
  auto result = std::make_shared<double>(0);
  return startJob(
      info.Env(), "cnn2mlp.probeReadBandwidth", [=] { *result = probeReadBandwidth(bytes, threads, reps); },
      [result](Napi::Env env) { return Napi::Number::New(env, *result); }, {});
}

Napi::Value ProbeFmaPeak(const Napi::CallbackInfo& info) {
  expectArgs(info, 2, "probeFmaPeak");
  const int threads = static_cast<int>(argInt(info, 0, "threads", 1, kMaxThreads));
  const double seconds = argNumber(info, 1, "seconds");
  if (!(seconds > 0 && seconds <= 60)) throwRange(info.Env(), "Expected a number of seconds in (0, 60] for seconds");
  auto result = std::make_shared<double>(0);
  return startJob(
      info.Env(), "cnn2mlp.probeFmaPeak", [=] { *result = probeFmaPeak(threads, seconds); },
      [result](Napi::Env env) { return Napi::Number::New(env, *result); }, {});
}

Registration r1("probeReadBandwidth", ProbeReadBandwidth);
Registration r2("probeFmaPeak", ProbeFmaPeak);

}  // namespace
}  // namespace cnn2mlp
