// What an async run owns. A job must not read or write JS memory after its call returns: the
// caller may transfer (postMessage, structuredClone), transfer() or resize() the buffer, or a
// garbage collection may free a transferred backing store, while the job runs. So the input is
// copied into native memory at call time and the result is written into native memory, copied
// into the caller's output array on the JS thread when the job completes (and only if that array
// still has its full length then).
#pragma once
#include <functional>
#include <memory>

#include "napi/common.h"
#include "runtime/memory.h"

namespace cnn2mlp {

struct OwnedRunIo {
  std::shared_ptr<Buffer> in;   // batch × inputSize floats, copied from info[1]
  std::shared_ptr<Buffer> out;  // batch × outputSize floats, the job's result
  int64_t batch;
  int threads;
  size_t outCount;  // floats in out
  const float* input() const { return in->as<float>(); }
  float* output() const { return out->as<float>(); }
};

// Checks info[1..4] like runIoArgs, then copies the input. A SharedArrayBuffer input written by
// another thread during the copy yields a mix of old and new values, never an out-of-bounds read.
OwnedRunIo ownedRunIo(const Napi::CallbackInfo& info, int64_t inputSize, int64_t outputSize, int64_t maxBatch);

// The Done step of such a job: copies io.out into `output` (the caller's array, info[4]); rejects
// with ERR_INVALID_ARG when the array was detached or shrunk while the job ran.
Done copyOutputOnDone(Napi::Value output, const OwnedRunIo& io, const char* fn);

// A job too small for the hop to a job thread: runs `work` now on the calling thread (reading and
// writing the caller's arrays directly, so nothing needs copying) and returns a promise already
// settled with its outcome; a CodedError or out-of-memory rejects, as a job's failure would.
Napi::Value runNow(Napi::Env env, const std::function<void()>& work, const char* outOfMemory);

// A copy of a Float32Array's contents, taken now (model weights read by an async job).
std::shared_ptr<Buffer> copyFloats(Napi::Float32Array a, const char* what);

}  // namespace cnn2mlp
