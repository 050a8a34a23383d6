// mlpSave(mlp, path, metadataJson) → Promise<void> and mlpLoad(path, verify) →
// Promise<{mlp, metadataJson}>: the native MLP file (docs/mlp-format.md), off the event loop.
#include <memory>

#include "napi/common.h"
#include "napi/mlp_handle.h"
#include "runtime/mlp_file.h"

namespace cnn2mlp {
namespace {

Napi::Value MlpSave(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  expectArgs(info, 3, "mlpSave");
  std::shared_ptr<Mlp> mlp = unwrapMlp(env, info[0]);
  std::string path = argString(info, 1, "path");
  std::string meta = argString(info, 2, "metadataJson");
  if (path.empty() || path.find('\0') != std::string::npos) throwType(env, "Expected a non-empty path without NUL characters for path");
  return startJob(
      env, "cnn2mlp.mlpSave", [mlp, path, meta] { saveMlpFile(*mlp, meta, path); }, [](Napi::Env e) { return e.Undefined(); }, {info[0]});
}

Napi::Value MlpLoad(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  expectArgs(info, 1, "mlpLoad");
  std::string path = argString(info, 0, "path");
  if (path.empty() || path.find('\0') != std::string::npos) throwType(env, "Expected a non-empty path without NUL characters for path");
  bool verify = info.Length() > 1 && !info[1].IsUndefined() ? argBool(info, 1, "verify") : true;
  struct Result {
    std::shared_ptr<Mlp> mlp;
    std::string meta;
  };
  auto res = std::make_shared<Result>();
  return startJob(
      env, "cnn2mlp.mlpLoad", [res, path, verify] { res->mlp = loadMlpFile(path, verify, &res->meta); },
      [res](Napi::Env e) {
        Napi::Object o = Napi::Object::New(e);
        o.Set("mlp", wrapMlp(e, res->mlp));
        o.Set("metadataJson", Napi::String::New(e, res->meta));
        return Napi::Value(o);
      },
      {});
}

Registration r1("mlpSave", MlpSave);
Registration r2("mlpLoad", MlpLoad);

}  // namespace
}  // namespace cnn2mlp
