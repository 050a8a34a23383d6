// CNN handles: cnnCreate (validate the plan records again, copy the weights), cnnRun (async via
// startJob, input/output retained until the promise settles), cnnRunSync, cnnDispose.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <new>

#include "napi/common.h"
#include "runtime/cnn.h"
#include "runtime/cpu.h"
#include "runtime/thread_pool.h"

namespace cnn2mlp {
float fmaProbeAvx512(long iters);
float fmaProbeAvx2(long iters);
namespace {

constexpr int64_t kMaxLen = int64_t(1) << 53;

Napi::Value CnnCreate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  expectArgs(info, 5, "cnnCreate");
  Napi::Float64Array records = argFloat64(info, 0, "records");
  if (!info[1].IsArray()) throwType(env, "Expected an array of Float32Array for tensors");
  Napi::Array arr = info[1].As<Napi::Array>();
  bool nchw = argBool(info, 2, "layoutNchw");
  int64_t inputSize = argInt(info, 3, "inputSize", 1, 2147483647LL);
  int64_t outputSize = argInt(info, 4, "outputSize", 1, 2147483647LL);
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
    cnn = buildCnn(records.Data(), int64_t(n / kRecordSize), tensors, nchw, inputSize, outputSize);
  } catch (const CodedError& e) {
    throwError(env, e.what(), e.code);
  } catch (const std::bad_alloc&) {
    throwError(env, "out of memory while copying the CNN weights", "ERR_TOO_LARGE");
  }
  return wrapHandle(env, HandleKind::Cnn, std::static_pointer_cast<void>(cnn), cnn->bytes);
}

struct RunArgs {
  std::shared_ptr<Cnn> cnn;
  const float* in;
  float* out;
  int64_t batch;
  int threads;
};

RunArgs runArgs(const Napi::CallbackInfo& info, const char* fn) {
  Napi::Env env = info.Env();
  expectArgs(info, 5, fn);
  RunArgs a;
  a.cnn = unwrap<Cnn>(env, info[0], HandleKind::Cnn, "cnn");
  Napi::Float32Array input = argFloat32(info, 1, "input");
  a.batch = argInt(info, 2, "batch", 1, 2147483647LL);
  a.threads = int(argInt(info, 3, "threads", 1, kMaxThreads));
  Napi::Float32Array output = argFloat32(info, 4, "output");
  const int64_t inLen = a.batch * a.cnn->inputSize, outLen = a.batch * a.cnn->outputSize;
  if (inLen >= kMaxLen || int64_t(input.ElementLength()) != inLen)
    throwRange(env, "Expected input of length batch × inputSize = " + std::to_string(a.batch) + " × " + std::to_string(a.cnn->inputSize) + " but it has length " +
                        std::to_string(input.ElementLength()));
  if (int64_t(output.ElementLength()) != outLen)
    throwRange(env, "Expected output of length batch × outputSize = " + std::to_string(a.batch) + " × " + std::to_string(a.cnn->outputSize) + " but it has length " +
                        std::to_string(output.ElementLength()));
  a.in = input.Data();
  a.out = output.Data();
  // The last op writes the output while earlier ones may still read the input.
  if (a.out < a.in + inLen && a.in < a.out + outLen) throwRange(env, "Expected output not to overlap input");
  return a;
}

Napi::Value CnnRun(const Napi::CallbackInfo& info) {
  RunArgs a = runArgs(info, "cnnRun");
  return startJob(
      info.Env(), "cnnRun", [a] { runCnn(*a.cnn, a.in, a.batch, a.threads, a.out); }, [](Napi::Env env) { return env.Undefined(); }, {info[0], info[1], info[4]});
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

// cnnFmaPeak(threads, seconds): measured fp32 FMA peak (FLOP/s, 2 per lane) of the active ISA on
// `threads` threads, for the CNN benchmark's "fraction of peak" (scalar: 0 = not measured).
Napi::Value CnnFmaPeak(const Napi::CallbackInfo& info) {
  expectArgs(info, 2, "cnnFmaPeak");
  const int threads = int(argInt(info, 0, "threads", 1, kMaxThreads));
  const double seconds = argNumber(info, 1, "seconds");
  if (!(seconds > 0 && seconds <= 10)) throwRange(info.Env(), "Expected seconds in (0, 10]");
  const Isa isa = activeIsa();
  if (isa == Isa::Scalar) return Napi::Number::New(info.Env(), 0);
  const double flopsPerIter = isa == Isa::Avx512 ? 16 * 16 * 2 : 12 * 8 * 2;
  const long iters = 2000000;
  std::atomic<double> best{0};
  std::atomic<float> sink{0};
  const auto t0 = std::chrono::steady_clock::now();
  // Each thread runs its own probe for the same wall time; the sum of rates is the peak.
  parallelFor(threads, threads, [&](int64_t, int) {
    double rate = 0;
    while (std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() < seconds) {
      const auto a = std::chrono::steady_clock::now();
      float v = isa == Isa::Avx512 ? fmaProbeAvx512(iters) : fmaProbeAvx2(iters);
      const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - a).count();
      sink.store(v, std::memory_order_relaxed);
      rate = std::max(rate, iters * flopsPerIter / dt);
    }
    double cur = best.load();
    while (!best.compare_exchange_weak(cur, cur + rate)) {
    }
  });
  return Napi::Number::New(info.Env(), best.load());
}

// findNonFinite(x): index of the first NaN/±Infinity in x, or -1. Runs before cnnRun when inputs
// must be finite: a branch-free pass over the exponent bits, ~10× faster than the same loop in JS.
Napi::Value FindNonFinite(const Napi::CallbackInfo& info) {
  expectArgs(info, 1, "findNonFinite");
  Napi::Float32Array x = argFloat32(info, 0, "x");
  const uint32_t* bits = reinterpret_cast<const uint32_t*>(x.Data());
  const size_t n = x.ElementLength();
  constexpr size_t kBlock = 256;
  for (size_t base = 0; base < n; base += kBlock) {
    const size_t end = std::min(n, base + kBlock);
    uint32_t bad = 0;
    for (size_t i = base; i < end; i++) bad |= uint32_t((bits[i] & 0x7f800000u) == 0x7f800000u);
    if (bad)
      for (size_t i = base; i < end; i++)
        if ((bits[i] & 0x7f800000u) == 0x7f800000u) return Napi::Number::New(info.Env(), double(i));
  }
  return Napi::Number::New(info.Env(), -1);
}

Registration r0("cnnFmaPeak", CnnFmaPeak);
Registration r5("findNonFinite", FindNonFinite);
Registration r1("cnnCreate", CnnCreate);
Registration r2("cnnRun", CnnRun);
Registration r3("cnnRunSync", CnnRunSync);
Registration r4("cnnDispose", CnnDispose);

}  // namespace
}  // namespace cnn2mlp
