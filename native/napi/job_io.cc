#include "napi/job_io.h"

#include <cstring>
#include <new>

namespace cnn2mlp {

OwnedRunIo ownedRunIo(const Napi::CallbackInfo& info, int64_t inputSize, int64_t outputSize, int64_t maxBatch) {
  RunIo checked = runIoArgs(info, inputSize, outputSize, maxBatch);
  OwnedRunIo io;
  io.batch = checked.batch;
  io.threads = checked.threads;
  const size_t inBytes = size_t(checked.batch * inputSize) * sizeof(float);
  io.in = Buffer::allocateUninitialized(inBytes, "the input copy");
  std::memcpy(io.in->data(), checked.in, inBytes);
  io.outCount = size_t(checked.batch * outputSize);
  io.out = Buffer::allocateUninitialized(io.outCount * sizeof(float), "the output");
  return io;
}

Done copyOutputOnDone(Napi::Value output, const OwnedRunIo& io, const char* fn) {
  // The reference is created, used and (with the Done step) destroyed on the JS thread.
  auto ref = std::make_shared<Napi::Reference<Napi::Value>>(Napi::Persistent(output));
  std::shared_ptr<Buffer> out = io.out;
  const size_t count = io.outCount;
  std::string name = fn;
  return [ref, out, count, name](Napi::Env env) -> Napi::Value {
    // Re-read the array now: its buffer may have been detached or resized since the call.
    Napi::Float32Array target = ref->Value().As<Napi::Float32Array>();
    if (target.ElementLength() != count || target.Data() == nullptr || target.ArrayBuffer().IsDetached())
      throw makeError(env,
                      name + ": the output array was detached or resized while the job ran (" + std::to_string(target.ElementLength()) + " of " +
                          std::to_string(count) + " floats left); keep it attached until the promise settles",
                      "ERR_INVALID_ARG");
    std::memcpy(target.Data(), out->data(), count * sizeof(float));
    return env.Undefined();
  };
}

std::shared_ptr<Buffer> copyFloats(Napi::Float32Array a, const char* what) {
  const size_t bytes = a.ElementLength() * sizeof(float);
  std::shared_ptr<Buffer> b = Buffer::allocate(bytes, what);
  if (bytes) std::memcpy(b->data(), a.Data(), bytes);
  return b;
}

Napi::Value runNow(Napi::Env env, const std::function<void()>& work, const char* outOfMemory) {
  Napi::Promise::Deferred deferred = Napi::Promise::Deferred::New(env);
  try {
    work();
    deferred.Resolve(env.Undefined());
  } catch (const CodedError& e) {
    deferred.Reject(makeError(env, e.what(), e.code).Value());
  } catch (const std::bad_alloc&) {
    deferred.Reject(makeError(env, outOfMemory, "ERR_TOO_LARGE").Value());
  }
  return deferred.Promise();
}

}  // namespace cnn2mlp
