// Module entry: every napi/*.cc registers its exports through a static Registration.
#include "napi/common.h"

namespace {
Napi::Object Init(Napi::Env env, Napi::Object exports) {
  cnn2mlp::initAll(env, exports);
  return exports;
}
}  // namespace

NODE_API_MODULE(cnn2mlp, Init)
