// The MLP handle: create from JS arrays (small MLPs, loaders), describe, read rows back out in
// chunks (exporters stream them), dispose.
#include "napi/mlp_handle.h"

#include <cmath>
#include <cstring>
#include <vector>

#include "kernels/bf16_kernels.h"
#include "runtime/memory.h"

namespace cnn2mlp {

Napi::Object wrapMlp(Napi::Env env, std::shared_ptr<Mlp> mlp) {
  int64_t bytes = mlp->bytes();
  return wrapHandle(env, HandleKind::Mlp, std::static_pointer_cast<void>(mlp), bytes);
}

std::shared_ptr<Mlp> unwrapMlp(Napi::Env env, Napi::Value v, const char* what) { return unwrap<Mlp>(env, v, HandleKind::Mlp, what); }

Activation activationFrom(Napi::Env env, Napi::Object o, const char* what) {
  Activation a;
  auto num = [&](const char* key, double def) {
    Napi::Value v = o.Get(key);
    if (v.IsUndefined()) return def;
    if (!v.IsNumber() || !std::isfinite(v.As<Napi::Number>().DoubleValue()))
      throwType(env, std::string("Expected a finite number for ") + what + "." + key);
    return v.As<Napi::Number>().DoubleValue();
  };
  double code = num("act", 0);
  if (code != std::floor(code) || code < 0 || code >= kActCount || code == ActHardSigmoid)
    throwRange(env, "Expected an activation code in [0, " + std::to_string(kActCount - 1) + "] for " + what + ".act");
  a.code = static_cast<int>(code);
  a.alpha = static_cast<float>(num("alpha", 0));
  a.min = static_cast<float>(num("min", 0));
  a.max = static_cast<float>(num("max", 0));
  return a;
}

namespace {

const char* actName(int code) { return code >= 0 && code < kActCount ? kActNames[code] : "?"; }

template <typename T>
T typedField(Napi::Env env, Napi::Object o, const char* key, napi_typedarray_type type, const std::string& where) {
  Napi::Value v = o.Get(key);
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != type) throwType(env, "Expected a typed array of the right type for " + where + "." + key);
  return v.As<T>();
}

int64_t intField(Napi::Env env, Napi::Object o, const char* key, int64_t lo, int64_t hi, const std::string& where) {
  Napi::Value v = o.Get(key);
  double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : NAN;
  if (!std::isfinite(d) || d != std::floor(d) || d < double(lo) || d > double(hi))
    throwRange(env, "Expected an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "] for " + where + "." + key);
  return static_cast<int64_t>(d);
}

// mlpFromLayers(inputSize, layers[]): copies each layer's arrays into native memory.
// layer: {format: 0 dense | 1 csr, rows, cols, values, rowPtr (Float64Array, csr), colIdx (Int32Array, csr), bias?, act, alpha, min, max}
Napi::Value MlpFromLayers(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  expectArgs(info, 2, "mlpFromLayers");
  int64_t inputSize = argInt(info, 0, "inputSize", 1, 2147483647LL);
  if (!info[1].IsArray()) throwType(env, "Expected an array of layers");
  Napi::Array arr = info[1].As<Napi::Array>();
  auto mlp = std::make_shared<Mlp>();
  mlp->inputSize = inputSize;
  int64_t width = inputSize;
  for (uint32_t i = 0; i < arr.Length(); i++) {
    std::string where = "layers[" + std::to_string(i) + "]";
    if (!arr.Get(i).IsObject()) throwType(env, "Expected an object for " + where);
    Napi::Object o = arr.Get(i).As<Napi::Object>();
    MlpLayer l;
    int64_t format = intField(env, o, "format", 0, 1, where);
    l.format = static_cast<MatrixFormat>(format);
    l.rows = intField(env, o, "rows", 1, 2147483647LL, where);
    l.cols = intField(env, o, "cols", 1, 2147483647LL, where);
    if (l.cols != width) throwRange(env, where + " takes " + std::to_string(l.cols) + " inputs but receives " + std::to_string(width));
    l.act = activationFrom(env, o, where.c_str());
    auto values = typedField<Napi::Float32Array>(env, o, "values", napi_float32_array, where);
    auto biasBuf = Buffer::allocate(size_t(l.rows) * 4, "bias");
    Napi::Value bv = o.Get("bias");
    if (!bv.IsUndefined()) {
      auto bias = typedField<Napi::Float32Array>(env, o, "bias", napi_float32_array, where);
      if (int64_t(bias.ElementLength()) != l.rows) throwRange(env, where + ".bias must have one value per row");
      for (size_t k = 0; k < bias.ElementLength(); k++)
        if (!std::isfinite(bias.Data()[k])) throwRange(env, where + ".bias has a non-finite value");
      std::memcpy(biasBuf->data(), bias.Data(), l.rows * 4);
    }
    l.bias = biasBuf->as<float>();
    l.storage.push_back(biasBuf);
    if (l.format == MatrixFormat::Dense) {
      if (int64_t(values.ElementLength()) != l.rows * l.cols) throwRange(env, where + ".values must hold rows × cols values");
      l.ld = denseLd(l.cols);
      auto buf = Buffer::allocate(size_t(l.rows) * l.ld * 4, "dense weights");
      for (int64_t r = 0; r < l.rows; r++) {
        const float* src = values.Data() + r * l.cols;
        for (int64_t c = 0; c < l.cols; c++)
          if (!std::isfinite(src[c])) throwRange(env, where + ".values has a non-finite value");
        std::memcpy(buf->as<float>() + r * l.ld, src, l.cols * 4);
      }
      l.values = buf->as<float>();
      l.nnz = l.rows * l.cols;
      l.storage.push_back(buf);
    } else {
      auto rowPtr = typedField<Napi::Float64Array>(env, o, "rowPtr", napi_float64_array, where);
      auto colIdx = typedField<Napi::Int32Array>(env, o, "colIdx", napi_int32_array, where);
      if (int64_t(rowPtr.ElementLength()) != l.rows + 1) throwRange(env, where + ".rowPtr must have rows + 1 entries");
      l.nnz = values.ElementLength();
      if (int64_t(colIdx.ElementLength()) != l.nnz) throwRange(env, where + ".colIdx and values must have the same length");
      auto rp = Buffer::allocate(size_t(l.rows + 1) * 8, "CSR row pointers");
      for (int64_t r = 0; r <= l.rows; r++) {
        double d = rowPtr.Data()[r];
        if (!(d >= 0 && d <= double(l.nnz) && d == std::floor(d))) throwRange(env, where + ".rowPtr has an entry outside [0, nnz]");
        rp->as<int64_t>()[r] = static_cast<int64_t>(d);
      }
      auto ci = Buffer::allocate(size_t(l.nnz) * 4, "CSR column indices");
      auto va = Buffer::allocate(size_t(l.nnz) * 4, "CSR values");
      std::memcpy(ci->data(), colIdx.Data(), l.nnz * 4);
      std::memcpy(va->data(), values.Data(), l.nnz * 4);
      std::string bad = checkCsr(l.rows, l.cols, rp->as<int64_t>(), ci->as<int32_t>(), va->as<float>(), l.nnz);
      if (!bad.empty()) throwRange(env, where + ": " + bad);
      l.rowPtr = rp->as<int64_t>();
      l.colIdx = ci->as<int32_t>();
      l.values = va->as<float>();
      l.storage.insert(l.storage.end(), {rp, ci, va});
    }
    width = l.rows;
    mlp->layers.push_back(std::move(l));
  }
  mlp->outputSize = width;
  std::string bad = mlp->check();
  if (!bad.empty()) throwRange(env, bad);
  return wrapMlp(env, mlp);
}

Napi::Value MlpInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  expectArgs(info, 1, "mlpInfo");
  auto mlp = unwrapMlp(env, info[0]);
  Napi::Object o = Napi::Object::New(env);
  o.Set("inputSize", double(mlp->inputSize));
  o.Set("outputSize", double(mlp->outputSize));
  o.Set("bytes", double(mlp->bytes()));
  Napi::Array layers = Napi::Array::New(env, mlp->layers.size());
  for (size_t i = 0; i < mlp->layers.size(); i++) {
    const MlpLayer& l = mlp->layers[i];
    Napi::Object lo = Napi::Object::New(env);
    lo.Set("format", l.format == MatrixFormat::Dense ? "dense" : l.format == MatrixFormat::Csr ? "csr" : "rcsr");
    lo.Set("precision", l.values16 ? "bf16" : "f32");
    lo.Set("patterns", double(l.patterns));
    lo.Set("runs", double(l.numRuns));
    Napi::Array cand = Napi::Array::New(env, 3);
    for (uint32_t k = 0; k < 3; k++) cand.Set(k, double(l.candidateBytes[k]));
    lo.Set("candidateBytes", cand);
    lo.Set("rows", double(l.rows));
    lo.Set("cols", double(l.cols));
    lo.Set("ld", double(l.ld));
    lo.Set("nnz", double(l.nnz));
    lo.Set("weightBytes", double(l.weightBytes()));
    lo.Set("bytes", double(l.bytes()));
    lo.Set("act", l.act.code);
    lo.Set("activation", actName(l.act.code));
    lo.Set("alpha", l.act.alpha);
    lo.Set("min", l.act.min);
    lo.Set("max", l.act.max);
    layers.Set(uint32_t(i), lo);
  }
  o.Set("layers", layers);
  return o;
}

// mlpReadRows(mlp, layer, rowStart, rowCount): dense → Float32Array(rowCount*cols);
// csr and rcsr (runs expanded) → {rowPtr: Float64Array(rowCount+1) from 0, colIdx, values}. bias
// with mlpReadBias.
Napi::Value MlpReadRows(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  expectArgs(info, 4, "mlpReadRows");
  auto mlp = unwrapMlp(env, info[0]);
  int64_t li = argInt(info, 1, "layer", 0, int64_t(mlp->layers.size()) - 1);
  const MlpLayer& l = mlp->layers[li];
  int64_t start = argInt(info, 2, "rowStart", 0, l.rows);
  int64_t count = argInt(info, 3, "rowCount", 0, l.rows - start);
  if (l.format == MatrixFormat::Dense) {
    if (count * l.cols > (int64_t(1) << 28)) throwRange(env, "read at most 2^28 values per call; ask for fewer rows");
    Napi::Float32Array out = Napi::Float32Array::New(env, size_t(count * l.cols));
    for (int64_t r = 0; r < count; r++) {
      float* dst = out.Data() + r * l.cols;
      if (l.values16)  // bf16 weights expand exactly to fp32
        for (int64_t c = 0; c < l.cols; c++) dst[c] = bf16ToFloat(l.values16[(start + r) * l.ld + c]);
      else
        std::memcpy(dst, l.values + (start + r) * l.ld, l.cols * 4);
    }
    return out;
  }
  int64_t b = l.rowPtr[start], e = l.rowPtr[start + count];
  if (e - b > (int64_t(1) << 28)) throwRange(env, "read at most 2^28 nonzeros per call; ask for fewer rows");
  Napi::Float64Array rp = Napi::Float64Array::New(env, size_t(count + 1));
  for (int64_t r = 0; r <= count; r++) rp.Data()[r] = double(l.rowPtr[start + r] - b);
  Napi::Int32Array ci = Napi::Int32Array::New(env, size_t(e - b));
  Napi::Float32Array va = Napi::Float32Array::New(env, size_t(e - b));
  if (e > b) {
    if (l.colIdx) {
      std::memcpy(ci.Data(), l.colIdx + b, (e - b) * 4);
    } else {
      int32_t* c = ci.Data();
      for (int64_t r = start; r < start + count; r++) {
        const int32_t p = l.rowPat[r];
        for (int32_t q = l.patPtr[p]; q < l.patPtr[p + 1]; q++)
          for (int32_t i = 0; i < l.runs[2 * q + 1]; i++) *c++ = l.runs[2 * q] + i;
      }
    }
    if (l.format == MatrixFormat::Csr && l.values16) {  // bf16 values expand exactly to fp32
      for (int64_t j = b; j < e; j++) va.Data()[j - b] = bf16ToFloat(l.values16[j]);
    } else if (l.format == MatrixFormat::Csr) {
      std::memcpy(va.Data(), l.values + b, (e - b) * 4);
    } else if (l.values16) {  // run-CSR: interleaved per chunk
      std::vector<uint16_t> v16(size_t(e - b));
      rcsrReadRows(l.rows, l.rowPtr, l.rowPat, l.values16, start, start + count, v16.data());
      for (size_t i = 0; i < v16.size(); i++) va.Data()[i] = bf16ToFloat(v16[i]);
    } else {
      rcsrReadRows(l.rows, l.rowPtr, l.rowPat, l.values, start, start + count, va.Data());
    }
  }
  Napi::Object o = Napi::Object::New(env);
  o.Set("rowPtr", rp);
  o.Set("colIdx", ci);
  o.Set("values", va);
  return o;
}

Napi::Value MlpReadBias(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  expectArgs(info, 2, "mlpReadBias");
  auto mlp = unwrapMlp(env, info[0]);
  int64_t li = argInt(info, 1, "layer", 0, int64_t(mlp->layers.size()) - 1);
  const MlpLayer& l = mlp->layers[li];
  Napi::Float32Array out = Napi::Float32Array::New(env, size_t(l.rows));
  std::memcpy(out.Data(), l.bias, l.rows * 4);
  return out;
}

Napi::Value MlpDispose(const Napi::CallbackInfo& info) {
  expectArgs(info, 1, "mlpDispose");
  disposeHandle(info.Env(), info[0], HandleKind::Mlp, "mlp");
  return info.Env().Undefined();
}

Napi::Value ResidentBytes(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), double(residentBytes())); }
// Optional argument: a directory standing in for "/" (tests give a fake /proc and /sys/fs/cgroup).
Napi::Value AvailableBytes(const Napi::CallbackInfo& info) {
  std::string root;
  if (info.Length() > 0 && !info[0].IsUndefined()) {
    if (!info[0].IsString()) throw Napi::TypeError::New(info.Env(), "availableMemoryBytes: Expected a string for root");
    root = info[0].As<Napi::String>().Utf8Value();
  }
  return Napi::Number::New(info.Env(), double(availableMemoryBytes(root)));
}

// mlpToBf16(mlp, threads): a new MLP whose dense and run-CSR layers hold bf16 weights (runtime/mlp.h).
Napi::Value MlpToBf16(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  expectArgs(info, 2, "mlpToBf16");
  auto mlp = unwrapMlp(env, info[0]);
  const int threads = int(argInt(info, 1, "threads", 0, 1024));
  return wrapMlp(env, mlpToBf16(*mlp, threads));
}

Registration r0("mlpToBf16", MlpToBf16);
Registration r1("mlpFromLayers", MlpFromLayers);
Registration r2("mlpInfo", MlpInfo);
Registration r3("mlpReadRows", MlpReadRows);
Registration r4("mlpReadBias", MlpReadBias);
Registration r5("mlpDispose", MlpDispose);
Registration r6("residentBytes", ResidentBytes);
Registration r7("availableMemoryBytes", AvailableBytes);

}  // namespace
}  // namespace cnn2mlp
