// kernelList() and kernelRun(name, args): the kernel registry (kernels/registry.h) as JS sees it.
// kernelRun calls one registered kernel by name, on the JS thread, over caller-given data split
// into caller-given row (pixel, unit) chunks: how test/kernels/registry.test.ts runs every kernel
// against its reference. Every size and index is checked so that no argument can make a kernel
// read or write outside its arrays; a kernel the CPU cannot run is refused, never attempted.
// Inputs are copied into 64-byte aligned native memory, as the runtime hands them to kernels;
// outputs start as NaN so a test sees any element a kernel failed to write.
#include <cmath>
#include <cstring>
#include <limits>

#include "napi/common.h"
#include "runtime/cnn.h"
#include "runtime/cpu.h"
#include "runtime/dispatch.h"
#include "runtime/memory.h"
#include "runtime/mlp.h"

namespace cnn2mlp {
namespace {

constexpr int64_t kMaxLen = int64_t(1) << 28;  // floats per test array: far above any test shape

// Reads and checks the fields of the args object; keeps the aligned copies alive.
struct Args {
  Napi::Env env;
  Napi::Object o;
  std::vector<std::shared_ptr<Buffer>> keep;

  int64_t integer(const char* key, int64_t lo, int64_t hi) {
    Napi::Value v = o.Get(key);
    const double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : NAN;
    if (!std::isfinite(d) || d != std::floor(d) || d < double(lo) || d > double(hi))
      throwRange(env, "Expected an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "] for args." + key);
    return int64_t(d);
  }
  template <typename A>
  A typed(const char* key, napi_typedarray_type type, const char* typeName, int64_t minLength) {
    Napi::Value v = o.Get(key);
    if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != type) throwType(env, std::string("Expected a ") + typeName + " for args." + key);
    A a = v.As<A>();
    if (int64_t(a.ElementLength()) < minLength)
      throwRange(env, "Expected args." + std::string(key) + " to hold at least " + std::to_string(minLength) + " values but it has " + std::to_string(a.ElementLength()));
    return a;
  }
  // An aligned native copy of a Float32Array field of at least minLength values.
  const float* floats(const char* key, int64_t minLength) {
    Napi::Float32Array a = typed<Napi::Float32Array>(key, napi_float32_array, "Float32Array", minLength);
    auto buf = Buffer::allocate(std::max<size_t>(a.ElementLength(), 1) * sizeof(float), key);
    std::memcpy(buf->data(), a.Data(), a.ElementLength() * sizeof(float));
    keep.push_back(buf);
    return buf->as<float>();
  }
};

Napi::Float32Array nanArray(Napi::Env env, int64_t n) {
  Napi::Float32Array a = Napi::Float32Array::New(env, size_t(n));
  for (int64_t i = 0; i < n; i++) a[size_t(i)] = std::numeric_limits<float>::quiet_NaN();
  return a;
}

// Calls fn(r0, r1) over [0, n) in chunks of `chunk`.
template <typename Fn>
void inChunks(int64_t n, int64_t chunk, Fn fn) {
  for (int64_t r0 = 0; r0 < n; r0 += chunk) fn(r0, std::min(n, r0 + chunk));
}

// gemv (and gemv_bf16) {W, rows, ld, x, bias, chunk} → y[rows]; gemm {W, rows, ld, K, Xt, bp, bias, chunk} → Yt[rows × bp].
Napi::Value runDense(const Kernel& k, Args& a) {
  const int64_t rows = a.integer("rows", 1, kMaxLen), ld = a.integer("ld", 16, kMaxLen);
  if (ld % 16 || rows * ld > kMaxLen) throwRange(a.env, "Expected args.ld to be a multiple of 16 with rows × ld ≤ 2^28");
  const int64_t chunk = a.integer("chunk", 1, rows);
  const float* W = a.floats("W", rows * ld);
  const float* bias = a.floats("bias", rows);
  // bf16 ops run on W rounded to bf16 (exact when the caller passes bf16-representable values).
  const bool bf16 = k.op == KernelOp::GemvBf16 || k.op == KernelOp::GemmBf16;
  uint16_t* Wb = nullptr;
  if (bf16) {
    auto buf = Buffer::allocate(size_t(rows * ld) * 2, "W (bf16)");
    a.keep.push_back(buf);
    Wb = buf->as<uint16_t>();
    for (int64_t i = 0; i < rows * ld; i++) Wb[i] = roundToBf16(W[i]);
  }
  if (k.op == KernelOp::Gemv || k.op == KernelOp::GemvBf16) {
    const float* x = a.floats("x", ld);
    Napi::Float32Array y = nanArray(a.env, rows);
    inChunks(rows, chunk, [&](int64_t r0, int64_t r1) {
      if (bf16)
        k.fn.bgemv(Wb, ld, x, bias, y.Data(), r0, r1);
      else
        k.fn.gemv(W, ld, x, bias, y.Data(), r0, r1);
    });
    return y;
  }
  const int64_t K = a.integer("K", 1, ld), bp = a.integer("bp", 16, kMaxLen);
  if (bp % 16 || rows * bp > kMaxLen || K * bp > kMaxLen) throwRange(a.env, "Expected args.bp to be a multiple of 16 with rows × bp and K × bp ≤ 2^28");
  const float* Xt = a.floats("Xt", K * bp);
  Napi::Float32Array Yt = nanArray(a.env, rows * bp);
  inChunks(rows, chunk, [&](int64_t r0, int64_t r1) {
    if (bf16)
      k.fn.bgemm(Wb, ld, K, Xt, bp, bias, Yt.Data(), r0, r1);
    else
      k.fn.gemm(W, ld, K, Xt, bp, bias, Yt.Data(), r0, r1);
  });
  return Yt;
}

// The run-CSR ops take the CSR arguments and run on the run-CSR form of that matrix (maximal runs
// per row, a row's pattern shared with the previous row when equal: rcsrArrays in runtime/mlp.h;
// values interleaved per chunk); the bf16 ops on its values rounded to bf16.
Napi::Value runRcsr(const Kernel& k, Args& a, int64_t rows, int64_t cols, int64_t chunk, const int64_t* rowPtr, const int32_t* colIdx, const float* values,
                    const float* bias) {
  RcsrArrays ra;
  for (int64_t r = 0; r < rows; r++) ra.addRow(colIdx + rowPtr[r], rowPtr[r + 1] - rowPtr[r]);
  const int64_t nnz = rowPtr[rows];
  const std::string bad = checkRcsr(rows, cols, rowPtr, ra.rowPat.data(), ra.patterns(), ra.patPtr.data(), ra.numRuns(), ra.runs.data(), values, nnz);
  if (!bad.empty()) throwRange(a.env, "args (as run-CSR): " + bad);
  const bool bf16 = k.op == KernelOp::SpmvRcsrBf16 || k.op == KernelOp::SpmmRcsrBf16;
  std::vector<float> v32(size_t(std::max<int64_t>(nnz, 1)));
  std::vector<uint16_t> rounded(bf16 ? size_t(nnz) : 0), v16(bf16 ? size_t(std::max<int64_t>(nnz, 1)) : 0);
  for (size_t i = 0; i < rounded.size(); i++) rounded[i] = roundToBf16(values[i]);
  if (bf16)
    rcsrInterleave(rows, rowPtr, ra.rowPat.data(), rounded.data(), v16.data());
  else
    rcsrInterleave(rows, rowPtr, ra.rowPat.data(), values, v32.data());
  const RcsrView m{rows, rowPtr, ra.rowPat.data(), ra.patPtr.data(), ra.runs.data(), bf16 ? nullptr : v32.data(), bf16 ? v16.data() : nullptr};
  if (k.op == KernelOp::SpmvRcsr || k.op == KernelOp::SpmvRcsrBf16) {
    const float* x = a.floats("x", cols);
    Napi::Float32Array y = nanArray(a.env, rows);
    inChunks(rows, chunk, [&](int64_t r0, int64_t r1) { k.fn.rspmv(m, x, bias, y.Data(), r0, r1); });
    return y;
  }
  const int64_t bp = a.integer("bp", 16, kMaxLen);
  if (bp % 16 || rows * bp > kMaxLen || cols * bp > kMaxLen) throwRange(a.env, "Expected args.bp to be a multiple of 16 with rows × bp and cols × bp ≤ 2^28");
  const float* Xt = a.floats("Xt", cols * bp);
  Napi::Float32Array Yt = nanArray(a.env, rows * bp);
  inChunks(rows, chunk, [&](int64_t r0, int64_t r1) { k.fn.rspmm(m, Xt, bp, bias, Yt.Data(), r0, r1); });
  return Yt;
}

// spmv {rowPtr, colIdx, values, rows, cols, x, bias, chunk} → y[rows]; spmm adds {Xt, bp} for x → Yt[rows × bp].
// spmv_rcsr / spmm_rcsr (and their bf16 ops) take the same arguments (runRcsr).
Napi::Value runCsr(const Kernel& k, Args& a) {
  const int64_t rows = a.integer("rows", 1, kMaxLen), cols = a.integer("cols", 1, kMaxLen);
  const int64_t chunk = a.integer("chunk", 1, rows);
  Napi::Float64Array ptrIn = a.typed<Napi::Float64Array>("rowPtr", napi_float64_array, "Float64Array", rows + 1);
  std::vector<int64_t> rowPtr(size_t(rows + 1));
  for (int64_t r = 0; r <= rows; r++) {
    const double v = ptrIn[size_t(r)];
    if (!(v >= 0 && v <= double(kMaxLen) && v == std::floor(v))) throwRange(a.env, "Expected integer row pointers in [0, 2^28] for args.rowPtr");
    rowPtr[size_t(r)] = int64_t(v);
  }
  const int64_t nnz = rowPtr[size_t(rows)];
  Napi::Int32Array colIn = a.typed<Napi::Int32Array>("colIdx", napi_int32_array, "Int32Array", nnz);
  const float* values = a.floats("values", nnz);
  auto colBuf = Buffer::allocate(size_t(std::max<int64_t>(nnz, 1)) * sizeof(int32_t), "colIdx");
  a.keep.push_back(colBuf);
  int32_t* colIdx = colBuf->as<int32_t>();
  std::memcpy(colIdx, colIn.Data(), size_t(nnz) * sizeof(int32_t));
  const std::string bad = checkCsr(rows, cols, rowPtr.data(), colIdx, values, nnz);
  if (!bad.empty()) throwRange(a.env, "args: " + bad);
  const float* bias = a.floats("bias", rows);
  if (k.op == KernelOp::SpmvRcsr || k.op == KernelOp::SpmmRcsr || k.op == KernelOp::SpmvRcsrBf16 || k.op == KernelOp::SpmmRcsrBf16)
    return runRcsr(k, a, rows, cols, chunk, rowPtr.data(), colIdx, values, bias);
  if (k.op == KernelOp::Spmv) {
    const float* x = a.floats("x", cols);
    Napi::Float32Array y = nanArray(a.env, rows);
    inChunks(rows, chunk, [&](int64_t r0, int64_t r1) { k.fn.spmv(rowPtr.data(), colIdx, values, x, bias, y.Data(), r0, r1); });
    return y;
  }
  const int64_t bp = a.integer("bp", 16, kMaxLen);
  if (bp % 16 || rows * bp > kMaxLen || cols * bp > kMaxLen) throwRange(a.env, "Expected args.bp to be a multiple of 16 with rows × bp and cols × bp ≤ 2^28");
  const float* Xt = a.floats("Xt", cols * bp);
  Napi::Float32Array Yt = nanArray(a.env, rows * bp);
  inChunks(rows, chunk, [&](int64_t r0, int64_t r1) { k.fn.spmm(rowPtr.data(), colIdx, values, Xt, bp, bias, Yt.Data(), r0, r1); });
  return Yt;
}

// The conv variant a validated op runs, as the runtime chooses it (runtime/cnn.cc).
KernelOp convVariant(const CnnOp& op) {
  if (op.p.op == OpDense) return KernelOp::Conv2d;
  return op.conv.depthwise ? KernelOp::DwConv2d : op.conv.smallGroups ? KernelOp::GConv2d : KernelOp::Conv2d;
}

// {record (one plan record: conv2d, or dense run over `batch` samples as a 1 × batch image),
//  tensors, input, batch, inPitch, outPitch, pixelChunk, unitChunk} → output pixels at outPitch.
Napi::Value runConv(const Kernel& k, Args& a) {
  Napi::Float64Array rec = a.typed<Napi::Float64Array>("record", napi_float64_array, "Float64Array", kRecordSize);
  Napi::Value tv = a.o.Get("tensors");
  if (!tv.IsArray()) throwType(a.env, "Expected an array of Float32Array for args.tensors");
  Napi::Array arr = tv.As<Napi::Array>();
  std::vector<TensorView> tensors;
  for (uint32_t i = 0; i < arr.Length(); i++) {
    Napi::Value t = arr.Get(i);
    if (!t.IsTypedArray() || t.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) throwType(a.env, "Expected a Float32Array for args.tensors[" + std::to_string(i) + "]");
    tensors.push_back({t.As<Napi::Float32Array>().Data(), int64_t(t.As<Napi::Float32Array>().ElementLength())});
  }
  PlanOp p;
  const std::string err = readPlanOp(rec.Data(), int(tensors.size()), &p);
  if (!err.empty()) throwRange(a.env, "args.record: " + err);
  if (p.op != OpConv2d && p.op != OpDense) throwRange(a.env, "Expected a conv2d or dense record for a conv kernel");
  const double edges[1] = {0};  // the op reads the model input
  const std::shared_ptr<Cnn> cnn = buildCnn(rec.Data(), 1, tensors, edges, 1, false, p.inSize(), p.outSize(), -1);
  const CnnOp& op = cnn->ops[0];
  if (convVariant(op) != k.op) throwRange(a.env, std::string("the record is not a ") + kernelOpName(k.op) + " op (" + k.name + " cannot run it)");
  ConvDesc d = op.conv;
  if (p.op == OpDense) d.inW = d.outW = a.integer("batch", 1, 4096);
  d.inPitch = a.integer("inPitch", d.inC, kMaxLen);
  d.outPitch = a.integer("outPitch", d.outC, kMaxLen);
  const int64_t pIn = d.inH * d.inW, pOut = d.outH * d.outW;
  if (pIn * d.inPitch > kMaxLen || pOut * d.outPitch > kMaxLen) throwRange(a.env, "the pitched input or output exceeds 2^28 floats");
  const float* in = a.floats("input", (pIn - 1) * d.inPitch + d.inC);
  Napi::Float32Array out = nanArray(a.env, (pOut - 1) * d.outPitch + d.outC);
  const int64_t units = k.op == KernelOp::Conv2d ? d.groups * d.nbG : 1;
  const int64_t pixelChunk = a.integer("pixelChunk", 1, pOut), unitChunk = a.integer("unitChunk", 1, units);
  inChunks(pOut, pixelChunk, [&](int64_t p0, int64_t p1) {
    inChunks(units, unitChunk, [&](int64_t u0, int64_t u1) { k.fn.conv(d, in, out.Data(), p0, p1, u0, u1); });
  });
  return out;
}

// sum {x (length a multiple of 64)} → Σx; fma {iters} → [FMAs per lane-vector, sink].
Napi::Value runProbe(const Kernel& k, Args& a) {
  if (k.op == KernelOp::Sum) {
    Napi::Float32Array x = a.typed<Napi::Float32Array>("x", napi_float32_array, "Float32Array", 64);
    if (x.ElementLength() % 64 || int64_t(x.ElementLength()) > kMaxLen) throwRange(a.env, "Expected args.x to hold a multiple of 64 values");
    return Napi::Number::New(a.env, k.fn.sum(a.floats("x", 64), int64_t(x.ElementLength())));
  }
  float sink = 0;
  const int64_t count = k.fn.fma(a.integer("iters", 1, 1 << 20), &sink);
  Napi::Array r = Napi::Array::New(a.env, 2);
  r.Set(uint32_t(0), Napi::Number::New(a.env, double(count)));
  r.Set(uint32_t(1), Napi::Number::New(a.env, sink));
  return r;
}

Napi::Value KernelRun(const Napi::CallbackInfo& info) {
  expectArgs(info, 2, "kernelRun");
  const std::string name = argString(info, 0, "name");
  const Kernel* k = findKernel(name.c_str());
  if (!k) throwRange(info.Env(), "no kernel is registered as '" + name + "' (kernelList() lists them)");
  if (!isaSupported(k->isa)) throwError(info.Env(), std::string("this CPU cannot run ") + k->name + " (it needs " + isaName(k->isa) + ")", "ERR_UNSUPPORTED");
  Args a{info.Env(), argObject(info, 1, "args"), {}};
  switch (k->op) {
    case KernelOp::Conv2d:
    case KernelOp::DwConv2d:
    case KernelOp::GConv2d: return runConv(*k, a);
    case KernelOp::Gemv:
    case KernelOp::Gemm:
    case KernelOp::GemvBf16:
    case KernelOp::GemmBf16: return runDense(*k, a);
    case KernelOp::Spmv:
    case KernelOp::Spmm:
    case KernelOp::SpmvRcsr:
    case KernelOp::SpmmRcsr:
    case KernelOp::SpmvRcsrBf16:
    case KernelOp::SpmmRcsrBf16: return runCsr(*k, a);
    default: return runProbe(*k, a);
  }
}

Napi::Value KernelList(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  size_t n = 0;
  const Kernel* table = kernelRegistry(&n);
  Napi::Array list = Napi::Array::New(env, n);
  for (size_t i = 0; i < n; i++) {
    const Kernel& k = table[i];
    Napi::Object o = Napi::Object::New(env);
    o.Set("name", k.name);
    o.Set("op", kernelOpName(k.op));
    o.Set("isa", isaName(k.isa));
    o.Set("tileM", k.tileM);
    o.Set("tileN", k.tileN);
    o.Set("lanes", k.lanes);
    o.Set("reference", k.reference);
    o.Set("supported", isaSupported(k.isa));
    list.Set(uint32_t(i), o);
  }
  return list;
}

Registration r1("kernelList", KernelList);
Registration r2("kernelRun", KernelRun);

}  // namespace
}  // namespace cnn2mlp
