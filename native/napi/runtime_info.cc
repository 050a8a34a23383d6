// cpuInfo() and setIsa(): what the CPU can do and which kernels run.
#include "napi/common.h"
#include "runtime/cpu.h"
#include "runtime/dispatch.h"
#include "runtime/thread_pool.h"

namespace cnn2mlp {
namespace {

Napi::Value CpuInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const CpuFeatures& f = cpuFeatures();
  Napi::Object o = Napi::Object::New(env);
  o.Set("vendor", f.vendor);
  o.Set("brand", f.brand);
  o.Set("logicalCores", f.logicalCores);
  Napi::Array isas = Napi::Array::New(env);
  uint32_t n = 0;
  isas.Set(n++, "scalar");
  if (f.avx2) isas.Set(n++, "avx2");
  if (f.avx512) isas.Set(n++, "avx512");
  o.Set("supportedIsas", isas);
  o.Set("bestIsa", isaName(bestIsa()));
  o.Set("activeIsa", isaName(activeIsa()));
  Napi::Array kernels = Napi::Array::New(env);
  uint32_t i = 0;
  for (const std::string& name : kernelsInUse()) kernels.Set(i++, name);
  o.Set("kernels", kernels);
  return o;
}

Napi::Value SetIsa(const Napi::CallbackInfo& info) {
  expectArgs(info, 1, "setIsa");
  std::string name = argString(info, 0, "isa");
  Isa isa;
  if (!parseIsa(name, &isa)) throwRange(info.Env(), "Expected 'auto', 'scalar', 'avx2' or 'avx512' for isa but received '" + name + "'");
  if (!setActiveIsa(isa))
    throwError(info.Env(), "this CPU cannot run the '" + name + "' kernels (supported: scalar" + std::string(cpuFeatures().avx2 ? ", avx2" : "") +
                               (cpuFeatures().avx512 ? ", avx512" : "") + ")",
               "ERR_UNSUPPORTED");
  return Napi::String::New(info.Env(), isaName(activeIsa()));
}

Registration r1("cpuInfo", CpuInfo);
Registration r2("setIsa", SetIsa);

}  // namespace
}  // namespace cnn2mlp
