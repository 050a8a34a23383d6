// Shared N-API plumbing: the function registry, argument checks that throw JS TypeError/RangeError
// with a message naming the argument, and type-tagged native handles (a handle of the wrong kind,
// or a plain object, is an error rather than a bad cast).
#pragma once
#include <napi.h>

#include "core/errors.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace cnn2mlp {

// --- registry: each napi/*.cc registers its exports with a file-level static Registration ---
using Initializer = std::function<void(Napi::Env, Napi::Object)>;
struct Registration {
  Registration(const char* name, Napi::Function::Callback fn);
  explicit Registration(Initializer init);
};
void initAll(Napi::Env env, Napi::Object exports);

// --- errors: thrown as C++ exceptions (node-addon-api turns them into JS exceptions) ---
[[noreturn]] void throwType(Napi::Env env, const std::string& msg);
[[noreturn]] void throwRange(Napi::Env env, const std::string& msg);
[[noreturn]] void throwError(Napi::Env env, const std::string& msg, const char* code = "ERR_NATIVE");
Napi::Error makeError(Napi::Env env, const std::string& msg, const char* code);

// --- argument checks ---
void expectArgs(const Napi::CallbackInfo& info, size_t n, const char* fn);
Napi::Float32Array argFloat32(const Napi::CallbackInfo& info, size_t i, const char* what);
Napi::Float64Array argFloat64(const Napi::CallbackInfo& info, size_t i, const char* what);
Napi::Int32Array argInt32(const Napi::CallbackInfo& info, size_t i, const char* what);
Napi::Function argFunction(const Napi::CallbackInfo& info, size_t i, const char* what);
Napi::Object argObject(const Napi::CallbackInfo& info, size_t i, const char* what);
std::string argString(const Napi::CallbackInfo& info, size_t i, const char* what);
// Integer in [lo, hi]; rejects NaN, fractions and out-of-range values.
int64_t argInt(const Napi::CallbackInfo& info, size_t i, const char* what, int64_t lo, int64_t hi);
double argNumber(const Napi::CallbackInfo& info, size_t i, const char* what);
bool argBool(const Napi::CallbackInfo& info, size_t i, const char* what);

// --- run(handle, input, batch, threads, output) calls (cnnRun, mlpRun and their Sync forms) ---
struct RunIo {
  const float* in;
  float* out;
  int64_t batch;
  int threads;
};
// Checks info[1..4] against a model of inputSize → outputSize values per sample: Float32Arrays of
// exactly batch × size values that do not overlap (the last op writes the output while earlier
// ones may still read the input), batch in [1, maxBatch], threads in [1, kMaxThreads].
RunIo runIoArgs(const Napi::CallbackInfo& info, int64_t inputSize, int64_t outputSize, int64_t maxBatch);

// --- tagged handles: a JS object owning a std::shared_ptr<T>; Kind names T in messages ---
enum class HandleKind : uint64_t { Cnn = 0x636e6e0000000001ull, Mlp = 0x6d6c700000000002ull };

// Wraps `ptr` in a new JS object tagged with `kind`; `bytes` is reported to V8 as external memory
// while the handle holds the object.
Napi::Object wrapHandle(Napi::Env env, HandleKind kind, std::shared_ptr<void> ptr, int64_t bytes);
// The object behind a handle; throws a TypeError for a non-handle or a handle of another kind,
// and an Error with code ERR_DISPOSED after dispose. The shared_ptr keeps it alive for async work.
std::shared_ptr<void> unwrapHandle(Napi::Env env, Napi::Value v, HandleKind kind, const char* what);
// Releases the handle's reference (idempotent); memory is freed once running jobs let go too.
void disposeHandle(Napi::Env env, Napi::Value v, HandleKind kind, const char* what);

template <typename T>
std::shared_ptr<T> unwrap(Napi::Env env, Napi::Value v, HandleKind kind, const char* what) {
  return std::static_pointer_cast<T>(unwrapHandle(env, v, kind, what));
}

// --- async: startJob runs `work` on one of the addon's own job threads (never on libuv's pool),
// which fans out to the kernel pool, and returns a Promise settled on the JS thread with done(env).
// `work` must not touch N-API; it reports failure by throwing (CodedError for a stable code).
// `retain` values (input buffers, handles) stay alive until the promise settles.
using Work = std::function<void()>;
using Done = std::function<Napi::Value(Napi::Env)>;
Napi::Value startJob(Napi::Env env, const char* name, Work work, Done done, const std::vector<Napi::Value>& retain);

}  // namespace cnn2mlp
