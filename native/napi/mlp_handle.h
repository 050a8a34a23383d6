#pragma once
#include <memory>

#include "napi/common.h"
#include "runtime/mlp.h"

namespace cnn2mlp {
// A JS handle for `mlp` (tagged HandleKind::Mlp); reports its bytes to V8.
Napi::Object wrapMlp(Napi::Env env, std::shared_ptr<Mlp> mlp);
std::shared_ptr<Mlp> unwrapMlp(Napi::Env env, Napi::Value v, const char* what = "mlp");
// Activation from a plan-style object {act, alpha, min, max}; validates codes and finiteness.
Activation activationFrom(Napi::Env env, Napi::Object o, const char* what);
}  // namespace cnn2mlp
