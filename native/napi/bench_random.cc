// benchRandomConvMlp(H, W, cin, cout, k, stride, csr, seed) → Promise<NativeMlpHandle>: a one-layer
// MLP with a converted convolution's exact pattern and random weights, for the kernel benchmark.
#include "napi/common.h"
#include "napi/mlp_handle.h"
#include "runtime/mlp_random.h"

namespace cnn2mlp {
namespace {

Napi::Value BenchRandomConvMlp(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  expectArgs(info, 8, "benchRandomConvMlp");
  const int64_t H = argInt(info, 0, "H", 1, 1 << 16), W = argInt(info, 1, "W", 1, 1 << 16);
  const int64_t cin = argInt(info, 2, "cin", 1, 1 << 16), cout = argInt(info, 3, "cout", 1, 1 << 16);
  const int k = int(argInt(info, 4, "k", 1, 64)), stride = int(argInt(info, 5, "stride", 1, 64));
  const bool csr = argBool(info, 6, "csr");
  const uint64_t seed = uint64_t(argInt(info, 7, "seed", 0, 1LL << 52));
  const int64_t Ho = (H + stride - 1) / stride, Wo = (W + stride - 1) / stride;
  if (double(Ho) * Wo * cout > 2147483647.0 || double(H) * W * cin > 2147483647.0) throwRange(env, "rows and cols must stay below 2^31");
  auto res = std::make_shared<std::shared_ptr<Mlp>>();
  return startJob(
      env, "cnn2mlp.benchRandomConvMlp", [=] { *res = randomConvMlp(H, W, cin, cout, k, stride, csr, seed); },
      [res](Napi::Env e) { return Napi::Value(wrapMlp(e, *res)); }, {});
}

Registration r1("benchRandomConvMlp", BenchRandomConvMlp);

}  // namespace
}  // namespace cnn2mlp
