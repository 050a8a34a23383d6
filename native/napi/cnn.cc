// CNN handles: cnnCreate (validate the plan records, wiring and arena again, copy the weights),
// cnnRun (small jobs on the calling thread, settled before it returns; others async via startJob on
// a native copy of the input, the result copied out on completion: napi/job_io.h), cnnRunSync, cnnDispose.
#include <cstdint>
#include <new>

#include "napi/common.h"
#include "napi/job_io.h"
#include "runtime/cnn.h"

namespace cnn2mlp {
namespace {

Napi::Value CnnCreate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  expectArgs(info, 7, "cnnCreate");
  Napi::Float64Array records = argFloat64(info, 0, "records");
  if (!info[1].IsArray()) throwType(env, "Expected an array of Float32Array for tensors");
  Napi::Array arr = info[1].As<Napi::Array>();
  bool nchw = argBool(info, 2, "layoutNchw");
  int64_t inputSize = argInt(info, 3, "inputSize", 1, 2147483647LL);
  int64_t outputSize = argInt(info, 4, "outputSize", 1, 2147483647LL);
  Napi::Float64Array edges = argFloat64(info, 5, "edges");
  int64_t inputOffset = argInt(info, 6, "inputOffset", -1, 1LL << 50);
  const size_t n = records.ElementLength();
  if (n == 0 || n % kRecordSize != 0) throwRange(env, "Expected records to hold a positive multiple of " + std::to_string(kRecordSize) + " values but it has " + std::to_string(n));
  std::vector<TensorView> tensors;
  for (uint32_t i = 0; i < arr.Length(); i++) {
    Napi::Value v = arr.Get(i);
    if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
      throwType(env, "Expected a Float32Array for tensors[" + std::to_string(i) + "]");
    Napi::Float32Array t = v.As<Napi::Float32Array>();
    tensors.push_back({t.Data(), int64_t(t.ElementLength())});
  }
  std::shared_ptr<Cnn> cnn;
  try {
    cnn = buildCnn(records.Data(), int64_t(n / kRecordSize), tensors, edges.Data(), int64_t(edges.ElementLength()), nchw, inputSize, outputSize, inputOffset);
  } catch (const CodedError& e) {
    throwError(env, e.what(), e.code);
  } catch (const std::bad_alloc&) {
    throwError(env, "out of memory while copying the CNN weights", "ERR_TOO_LARGE");
  }
  return wrapHandle(env, HandleKind::Cnn, std::static_pointer_cast<void>(cnn), cnn->bytes);
}

struct RunArgs : RunIo {
  std::shared_ptr<Cnn> cnn;
};

RunArgs runArgs(const Napi::CallbackInfo& info, const char* fn) {
  expectArgs(info, 5, fn);
  std::shared_ptr<Cnn> cnn = unwrap<Cnn>(info.Env(), info[0], HandleKind::Cnn, "cnn");
  RunArgs a{runIoArgs(info, cnn->inputSize, cnn->outputSize, 2147483647LL), cnn};
  return a;
}

// A job of at most this many multiply-adds (Cnn::workPerSample × batch) runs on the calling thread
// inside cnnRun, which returns a settled promise: its compute (<= ~0.1-0.15 ms at 30-40 GMAC/s on
// one core) is about what the hop to a job thread and back through the event loop costs (measured
// 40-120 µs per call for a 1-MAC model on Zen 4, both ISAs), so the hop would double its latency.
// Larger jobs keep the event loop free.
constexpr int64_t kInlineRunWork = int64_t(1) << 22;

Napi::Value CnnRun(const Napi::CallbackInfo& info) {
  expectArgs(info, 5, "cnnRun");
  std::shared_ptr<Cnn> cnn = unwrap<Cnn>(info.Env(), info[0], HandleKind::Cnn, "cnn");
  // Inline runs read and write the caller's arrays before returning, so they need no copies.
  if (info[2].IsNumber() && info[2].As<Napi::Number>().DoubleValue() * double(cnn->workPerSample) <= double(kInlineRunWork)) {
    const RunArgs a{runIoArgs(info, cnn->inputSize, cnn->outputSize, 2147483647LL), cnn};
    return runNow(info.Env(), [&] { runCnn(*a.cnn, a.in, a.batch, a.threads, a.out); }, "out of memory for the CNN's activation buffers; use a smaller batch");
  }
  OwnedRunIo io = ownedRunIo(info, cnn->inputSize, cnn->outputSize, 2147483647LL);
  return startJob(
      info.Env(), "cnnRun", [cnn, io] { runCnn(*cnn, io.input(), io.batch, io.threads, io.output()); }, copyOutputOnDone(info[4], io, "runCnn"), {info[0]});
}

Napi::Value CnnRunSync(const Napi::CallbackInfo& info) {
  RunArgs a = runArgs(info, "cnnRunSync");
  try {
    runCnn(*a.cnn, a.in, a.batch, a.threads, a.out);
  } catch (const CodedError& e) {
    throwError(info.Env(), e.what(), e.code);
  } catch (const std::bad_alloc&) {
    throwError(info.Env(), "out of memory for the CNN's activation buffers; use a smaller batch", "ERR_TOO_LARGE");
  }
  return info.Env().Undefined();
}

Napi::Value CnnDispose(const Napi::CallbackInfo& info) {
  expectArgs(info, 1, "cnnDispose");
  disposeHandle(info.Env(), info[0], HandleKind::Cnn, "cnn");
  return info.Env().Undefined();
}

Registration r1("cnnCreate", CnnCreate);
Registration r2("cnnRun", CnnRun);
Registration r3("cnnRunSync", CnnRunSync);
Registration r4("cnnDispose", CnnDispose);

}  // namespace
}  // namespace cnn2mlp
