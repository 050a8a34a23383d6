#include "napi/common.h"

#include "runtime/thread_pool.h"

#include <cmath>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <new>
#include <thread>

namespace cnn2mlp {

namespace {
std::vector<Initializer>& registry() {
  static std::vector<Initializer> r;
  return r;
}
}  // namespace

Registration::Registration(const char* name, Napi::Function::Callback fn) {
  // node-addon-api only converts Napi::Error; any other C++ exception escaping a callback (a
  // CodedError from Buffer::allocate, std::bad_alloc) would reach V8 and terminate the process.
  registry().push_back([name, fn](Napi::Env env, Napi::Object exports) {
    exports.Set(name, Napi::Function::New(
                          env,
                          [fn](const Napi::CallbackInfo& info) -> Napi::Value {
                            try {
                              return fn(info);
                            } catch (const Napi::Error&) {
                              throw;
                            } catch (const CodedError& e) {
                              throw makeError(info.Env(), e.what(), e.code);
                            } catch (const std::bad_alloc&) {
                              throw makeError(info.Env(), "out of memory: an allocation failed", "ERR_TOO_LARGE");
                            } catch (const std::exception& e) {
                              throw makeError(info.Env(), e.what(), "ERR_NATIVE");
                            }
                          },
                          name));
  });
}
Registration::Registration(Initializer init) { registry().push_back(std::move(init)); }

void initAll(Napi::Env env, Napi::Object exports) {
  for (auto& init : registry()) init(env, exports);
}

Napi::Error makeError(Napi::Env env, const std::string& msg, const char* code) {
  Napi::Error e = Napi::Error::New(env, msg);
  e.Set("code", Napi::String::New(env, code));
  return e;
}

void throwType(Napi::Env env, const std::string& msg) {
  Napi::TypeError e = Napi::TypeError::New(env, msg);
  e.Set("code", Napi::String::New(env, "ERR_INVALID_ARG"));
  throw e;
}
void throwRange(Napi::Env env, const std::string& msg) {
  Napi::RangeError e = Napi::RangeError::New(env, msg);
  e.Set("code", Napi::String::New(env, "ERR_INVALID_ARG"));
  throw e;
}
void throwError(Napi::Env env, const std::string& msg, const char* code) { throw makeError(env, msg, code); }

void expectArgs(const Napi::CallbackInfo& info, size_t n, const char* fn) {
  if (info.Length() < n)
    throwType(info.Env(), std::string(fn) + " expects " + std::to_string(n) + " arguments but received " + std::to_string(info.Length()));
}

namespace {
template <typename T, napi_typedarray_type Type>
T typedArg(const Napi::CallbackInfo& info, size_t i, const char* what, const char* typeName) {
  Napi::Value v = info[i];
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != Type)
    throwType(info.Env(), std::string("Expected a ") + typeName + " for " + what);
  return v.As<T>();
}
}  // namespace

Napi::Float32Array argFloat32(const Napi::CallbackInfo& info, size_t i, const char* what) {
  return typedArg<Napi::Float32Array, napi_float32_array>(info, i, what, "Float32Array");
}
Napi::Float64Array argFloat64(const Napi::CallbackInfo& info, size_t i, const char* what) {
  return typedArg<Napi::Float64Array, napi_float64_array>(info, i, what, "Float64Array");
}
Napi::Int32Array argInt32(const Napi::CallbackInfo& info, size_t i, const char* what) {
  return typedArg<Napi::Int32Array, napi_int32_array>(info, i, what, "Int32Array");
}
Napi::Function argFunction(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (!info[i].IsFunction()) throwType(info.Env(), std::string("Expected a function for ") + what);
  return info[i].As<Napi::Function>();
}
Napi::Object argObject(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (!info[i].IsObject()) throwType(info.Env(), std::string("Expected an object for ") + what);
  return info[i].As<Napi::Object>();
}
std::string argString(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (!info[i].IsString()) throwType(info.Env(), std::string("Expected a string for ") + what);
  return info[i].As<Napi::String>().Utf8Value();
}
double argNumber(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (!info[i].IsNumber()) throwType(info.Env(), std::string("Expected a number for ") + what);
  return info[i].As<Napi::Number>().DoubleValue();
}
int64_t argInt(const Napi::CallbackInfo& info, size_t i, const char* what, int64_t lo, int64_t hi) {
  double d = argNumber(info, i, what);
  if (!std::isfinite(d) || d != std::floor(d) || d < static_cast<double>(lo) || d > static_cast<double>(hi))
    throwRange(info.Env(), std::string("Expected an integer in [") + std::to_string(lo) + ", " + std::to_string(hi) + "] for " + what);
  return static_cast<int64_t>(d);
}
bool argBool(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (!info[i].IsBoolean()) throwType(info.Env(), std::string("Expected a boolean for ") + what);
  return info[i].As<Napi::Boolean>().Value();
}

// --- handles ---
namespace {
struct HandleBox {
  std::shared_ptr<void> ptr;
  int64_t bytes;
};
const char* kindName(HandleKind k) { return k == HandleKind::Cnn ? "a compiled CNN" : "an MLP"; }
napi_type_tag tagFor(HandleKind k) { return napi_type_tag{static_cast<uint64_t>(k), 0x636e6e326d6c70ull}; }

HandleBox* boxOf(Napi::Env env, Napi::Value v, HandleKind kind, const char* what) {
  if (!v.IsObject()) throwType(env, std::string("Expected ") + kindName(kind) + " handle for " + what);
  napi_type_tag tag = tagFor(kind);
  bool ok = false;
  if (napi_check_object_type_tag(env, v, &tag, &ok) != napi_ok || !ok)
    throwType(env, std::string("Expected ") + kindName(kind) + " handle for " + what + " but received another object");
  void* data = nullptr;
  if (napi_unwrap(env, v, &data) != napi_ok || data == nullptr) throwType(env, std::string("Invalid handle for ") + what);
  return static_cast<HandleBox*>(data);
}
}  // namespace

Napi::Object wrapHandle(Napi::Env env, HandleKind kind, std::shared_ptr<void> ptr, int64_t bytes) {
  Napi::Object obj = Napi::Object::New(env);
  napi_type_tag tag = tagFor(kind);
  NAPI_THROW_IF_FAILED(env, napi_type_tag_object(env, obj, &tag), obj);
  auto* box = new HandleBox{std::move(ptr), bytes};
  napi_status st = napi_wrap(
      env, obj, box,
      [](napi_env e, void* data, void*) {
        auto* b = static_cast<HandleBox*>(data);
        if (b->ptr) {
          int64_t ignored;
          napi_adjust_external_memory(e, -b->bytes, &ignored);
        }
        delete b;
      },
      nullptr, nullptr);
  if (st != napi_ok) {
    delete box;
    throwError(env, "could not wrap native object");
  }
  int64_t ignored;
  napi_adjust_external_memory(env, bytes, &ignored);
  return obj;
}

std::shared_ptr<void> unwrapHandle(Napi::Env env, Napi::Value v, HandleKind kind, const char* what) {
  HandleBox* box = boxOf(env, v, kind, what);
  if (!box->ptr) throwError(env, std::string(what) + " has been disposed; create it again", "ERR_DISPOSED");
  return box->ptr;
}

void disposeHandle(Napi::Env env, Napi::Value v, HandleKind kind, const char* what) {
  HandleBox* box = boxOf(env, v, kind, what);
  if (!box->ptr) return;
  box->ptr.reset();
  int64_t ignored;
  napi_adjust_external_memory(env, -box->bytes, &ignored);
}

// --- async jobs ---
namespace {

struct JobState {
  Work work;
  Done done;
  Napi::Promise::Deferred deferred;
  std::vector<Napi::Reference<Napi::Value>> retained;
  Napi::ThreadSafeFunction tsfn;
  bool failed = false;
  std::string code = "ERR_NATIVE";
  std::string message;
};

// Job threads: block inside kernels (as worker 0 of parallelFor), so they are kept apart from
// libuv's pool and from the kernel pool. Idle ones are reused; at most kMaxJobThreads exist and
// further jobs queue.
class JobRunner {
 public:
  void submit(std::function<void()> task) {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(std::move(task));
    if (idle_ == 0 && threads_ < kMaxJobThreads) {
      threads_++;
      std::thread([this] { loop(); }).detach();
    } else {
      cv_.notify_one();
    }
  }

 private:
  static constexpr int kMaxJobThreads = 64;
  void loop() {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      idle_++;
      cv_.wait(lock, [&] { return !queue_.empty(); });
      idle_--;
      auto task = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();
      task();
      lock.lock();
    }
  }
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  int threads_ = 0;
  int idle_ = 0;
};

JobRunner& runner() {
  static JobRunner* r = new JobRunner();  // never destroyed: detached threads use it until exit
  return *r;
}

void settle(Napi::Env env, Napi::Function, JobState* st) {
  std::unique_ptr<JobState> owned(st);
  if (env == nullptr) return;  // environment torn down: nothing to settle
  Napi::HandleScope scope(env);
  if (st->failed) {
    st->deferred.Reject(makeError(env, st->message, st->code.c_str()).Value());
  } else {
    try {
      st->deferred.Resolve(st->done ? st->done(env) : env.Undefined());
    } catch (const Napi::Error& e) {
      st->deferred.Reject(e.Value());
    }
  }
}

}  // namespace

Napi::Value startJob(Napi::Env env, const char* name, Work work, Done done, const std::vector<Napi::Value>& retain) {
  auto* st = new JobState{std::move(work), std::move(done), Napi::Promise::Deferred::New(env), {}, {}, false, "ERR_NATIVE", {}};
  for (const auto& v : retain) st->retained.push_back(Napi::Persistent(v));
  Napi::Promise promise = st->deferred.Promise();
  st->tsfn = Napi::ThreadSafeFunction::New(env, Napi::Function(), name, 0, 1);
  runner().submit([st] {
    try {
      st->work();
    } catch (const CodedError& e) {
      st->failed = true;
      st->code = e.code;
      st->message = e.what();
    } catch (const std::bad_alloc&) {
      st->failed = true;
      st->code = "ERR_TOO_LARGE";
      st->message = "out of memory: an allocation failed; use a smaller batch, the 'csr' format or a smaller model";
    } catch (const std::exception& e) {
      st->failed = true;
      st->message = e.what();
    } catch (...) {
      st->failed = true;
      st->message = "unknown native failure";
    }
    Napi::ThreadSafeFunction tsfn = st->tsfn;
    if (tsfn.BlockingCall(st, settle) != napi_ok) {
      // The environment is closing; its promise can no longer be settled. The state (with its JS
      // references) is deliberately leaked: references may not be released off the JS thread.
    }
    tsfn.Release();
  });
  return promise;
}

RunIo runIoArgs(const Napi::CallbackInfo& info, int64_t inputSize, int64_t outputSize, int64_t maxBatch) {
  Napi::Env env = info.Env();
  constexpr int64_t kMaxLen = int64_t(1) << 53;  // largest exact JS array length
  Napi::Float32Array input = argFloat32(info, 1, "input");
  RunIo a;
  a.batch = argInt(info, 2, "batch", 1, maxBatch);
  a.threads = int(argInt(info, 3, "threads", 1, kMaxThreads));
  Napi::Float32Array output = argFloat32(info, 4, "output");
  const int64_t inLen = a.batch * inputSize, outLen = a.batch * outputSize;
  if (inLen >= kMaxLen || int64_t(input.ElementLength()) != inLen)
    throwRange(env, "Expected input of batch × inputSize = " + std::to_string(inLen) + " floats (" + std::to_string(a.batch) + " × " + std::to_string(inputSize) +
                        ") but received " + std::to_string(input.ElementLength()));
  if (int64_t(output.ElementLength()) != outLen)
    throwRange(env, "Expected output of batch × outputSize = " + std::to_string(outLen) + " floats (" + std::to_string(a.batch) + " × " + std::to_string(outputSize) +
                        ") but received " + std::to_string(output.ElementLength()));
  a.in = input.Data();
  a.out = output.Data();
  if (a.out < a.in + inLen && a.in < a.out + outLen) throwRange(env, "Expected output not to overlap input: input and output must not share memory");
  return a;
}

}  // namespace cnn2mlp
