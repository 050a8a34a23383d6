// convertBuild(spec, progress, abortFlag) → Promise<MLP handle>: builds a converted MLP off the
// event loop (native/runtime/builder.h). `spec` carries the plan records and tensors plus one
// entry per MLP layer with its maps (planned by src/convert/planner.ts). Every array is checked
// here before the job starts: sizes, index ranges, finiteness. progress (Float64Array [done,
// total]) is written by the job and polled from JS; abortFlag (Int32Array [flag]) is read by it.
// The model's weight tensors belong to the caller, who may transfer or resize them while the job
// runs, so they are copied now; the records, maps and the two control arrays are convert()'s own
// and stay referenced until the promise settles.
#include <cmath>

#include "napi/common.h"
#include "napi/job_io.h"
#include "napi/mlp_handle.h"
#include "runtime/builder.h"
#include "runtime/thread_pool.h"

namespace cnn2mlp {
namespace {

struct Checker {
  Napi::Env env;
  std::vector<Napi::Value>& retain;
  std::string where;

  template <typename T>
  T typed(Napi::Object o, const char* key, napi_typedarray_type type, const char* typeName, int64_t length, bool optional) {
    Napi::Value v = o.Get(key);
    if (v.IsUndefined() && optional) return T();
    if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != type)
      throwType(env, "Expected a " + std::string(typeName) + " for " + where + "." + key);
    T t = v.As<T>();
    if (length >= 0 && int64_t(t.ElementLength()) != length)
      throwRange(env, "Expected " + where + "." + key + " to have length " + std::to_string(length) + " but it has " + std::to_string(t.ElementLength()));
    retain.push_back(v);
    return t;
  }
  int64_t integer(Napi::Object o, const char* key, int64_t lo, int64_t hi) {
    Napi::Value v = o.Get(key);
    double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : NAN;
    if (!std::isfinite(d) || d != std::floor(d) || d < double(lo) || d > double(hi))
      throwRange(env, "Expected an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "] for " + where + "." + key);
    return int64_t(d);
  }
  void finite(const double* p, size_t n, const char* key) {
    for (size_t i = 0; i < n; i++)
      if (!std::isfinite(p[i])) throwRange(env, where + "." + key + " has a non-finite value");
  }
};

// A native copy of one of spec.tensors.
struct Tensor {
  std::shared_ptr<Buffer> copy;
  int64_t length;
  const float* data() const { return copy->as<float>(); }
};

// spec.tensors: Float32Arrays of finite values, copied.
std::vector<Tensor> readTensors(Checker& ck, Napi::Object spec) {
  Napi::Value tv = spec.Get("tensors");
  if (!tv.IsArray()) throwType(ck.env, "Expected an array of Float32Array for spec.tensors");
  Napi::Array tarr = tv.As<Napi::Array>();
  std::vector<Tensor> tensors;
  for (uint32_t i = 0; i < tarr.Length(); i++) {
    Napi::Value t = tarr.Get(i);
    if (!t.IsTypedArray() || t.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
      throwType(ck.env, "Expected a Float32Array for spec.tensors[" + std::to_string(i) + "]");
    Napi::Float32Array f = t.As<Napi::Float32Array>();
    Tensor c{copyFloats(f, "a copy of the model weights"), int64_t(f.ElementLength())};
    for (int64_t k = 0; k < c.length; k++)
      if (!std::isfinite(c.data()[k])) throwRange(ck.env, "spec.tensors[" + std::to_string(i) + "] has a non-finite value");
    tensors.push_back(c);
  }
  return tensors;
}

// spec.records decoded and re-checked, tensor sizes included.
std::vector<PlanOp> readOps(Checker& ck, Napi::Float64Array records, const std::vector<Tensor>& tensors) {
  const int numOps = int(records.ElementLength() / kRecordSize);
  std::vector<PlanOp> ops(numOps);
  for (int i = 0; i < numOps; i++) {
    const std::string at = "spec.records op " + std::to_string(i);
    std::string bad = readPlanOp(records.Data() + size_t(i) * kRecordSize, int(tensors.size()), &ops[i]);
    if (!bad.empty()) throwRange(ck.env, at + ": " + bad);
    if (ops[i].weights >= 0 && tensors[ops[i].weights].length != expectedWeights(ops[i])) throwRange(ck.env, at + ": weights tensor has the wrong size");
    if (ops[i].bias >= 0 && tensors[ops[i].bias].length != expectedBias(ops[i])) throwRange(ck.env, at + ": bias tensor has the wrong size");
  }
  return ops;
}

// csrPtr/csrCol/csrVal/csrBias of layer `o`: rows + 1 pointers from 0 up to the entries, columns
// in [0, columns), finite values.
void readCsr(Checker& ck, Napi::Object o, LayerSpec& s, int64_t columns) {
  auto ptr = ck.typed<Napi::Int32Array>(o, "csrPtr", napi_int32_array, "Int32Array", s.rows + 1, false);
  auto col = ck.typed<Napi::Int32Array>(o, "csrCol", napi_int32_array, "Int32Array", -1, false);
  auto val = ck.typed<Napi::Float64Array>(o, "csrVal", napi_float64_array, "Float64Array", int64_t(col.ElementLength()), false);
  auto bias = ck.typed<Napi::Float64Array>(o, "csrBias", napi_float64_array, "Float64Array", s.rows, false);
  if (ptr.Data()[0] != 0 || int64_t(ptr.Data()[s.rows]) != int64_t(col.ElementLength())) throwRange(ck.env, ck.where + ".csrPtr must run from 0 to the number of entries");
  for (int64_t r = 0; r < s.rows; r++)
    if (ptr.Data()[r + 1] < ptr.Data()[r]) throwRange(ck.env, ck.where + ".csrPtr decreases");
  for (size_t k = 0; k < col.ElementLength(); k++)
    if (col.Data()[k] < 0 || col.Data()[k] >= columns) throwRange(ck.env, ck.where + ".csrCol has an index out of range");
  ck.finite(val.Data(), val.ElementLength(), "csrVal");
  ck.finite(bias.Data(), bias.ElementLength(), "csrBias");
  s.csrPtr = ptr.Data(), s.csrCol = col.Data(), s.csrVal = val.Data(), s.csrBias = bias.Data();
}

// A primary layer: the plan op it computes (conv, dense, avg pool) and that op's tensors.
void readPrimary(Checker& ck, Napi::Object o, const std::vector<PlanOp>& ops, const std::vector<Tensor>& tensors, LayerSpec& s) {
  const int64_t oi = ck.integer(o, "opIndex", 0, int64_t(ops.size()) - 1);
  s.op = ops[size_t(oi)];
  const int want = s.prim == PrimConv ? OpConv2d : s.prim == PrimDense ? OpDense : OpAvgPool2d;
  if (s.op.op != want && !(s.prim == PrimAvgPool && s.op.op == OpGlobalAvgPool2d)) throwRange(ck.env, ck.where + ".opIndex points at an op of another kind");
  if (s.op.op == OpGlobalAvgPool2d && (s.op.kh != s.op.inH || s.op.kw != s.op.inW || s.op.sh != 1 || s.op.sw != 1 || s.op.dh != 1 || s.op.dw != 1 ||
                                     s.op.padTop || s.op.padBottom || s.op.padLeft || s.op.padRight))
    throwRange(ck.env, ck.where + ": global pooling record must have a window of the whole input");
  // Rows [0, primaryRows) compute the op's output rowLogical[r] (or r); an addend adds rows
  // to them (a residual) and rows after them (values carried past the op).
  s.primaryRows = o.Get("primaryRows").IsUndefined() ? s.op.outSize() : ck.integer(o, "primaryRows", 1, s.rows);
  if (s.primaryRows != s.op.outSize() && o.Get("rowLogical").IsUndefined())
    throwRange(ck.env, ck.where + ".primaryRows must equal the op's output size without rowLogical");
  if (!o.Get("csrPtr").IsUndefined()) {
    readCsr(ck, o, s, s.cols);
    s.hasAddend = true;
  } else if (s.rows != s.primaryRows) {
    throwRange(ck.env, ck.where + ".rows must equal primaryRows (the op's output size) without an addend");
  }
  s.logicalIn = s.op.inSize();
  if (s.prim != PrimAvgPool) {
    s.weights = tensors[s.op.weights].data();
    s.bias = s.op.bias >= 0 ? tensors[s.op.bias].data() : nullptr;
  }
}

// An explicit layer: CSR over the logical inputs, one bias per logical row.
void readExplicit(Checker& ck, Napi::Object o, LayerSpec& s) {
  s.logicalIn = s.cols;
  readCsr(ck, o, s, s.logicalIn);
}

// The input map (optional) and the row maps (rowLogical, rowScale, rowShift; each optional).
void readMaps(Checker& ck, Napi::Object o, LayerSpec& s) {
  if (!o.Get("inOff").IsUndefined()) {
    if (s.prim == PrimExplicit) throwRange(ck.env, ck.where + ": explicit layers take no input map");
    auto off = ck.typed<Napi::Int32Array>(o, "inOff", napi_int32_array, "Int32Array", s.logicalIn + 1, false);
    auto unit = ck.typed<Napi::Int32Array>(o, "inUnit", napi_int32_array, "Int32Array", -1, false);
    auto coef = ck.typed<Napi::Float64Array>(o, "inCoef", napi_float64_array, "Float64Array", int64_t(unit.ElementLength()), false);
    auto cnst = ck.typed<Napi::Float64Array>(o, "inConst", napi_float64_array, "Float64Array", s.logicalIn, false);
    if (off.Data()[0] != 0 || int64_t(off.Data()[s.logicalIn]) != int64_t(unit.ElementLength())) throwRange(ck.env, ck.where + ".inOff must run from 0 to the number of entries");
    for (int64_t i = 0; i < s.logicalIn; i++)
      if (off.Data()[i + 1] < off.Data()[i]) throwRange(ck.env, ck.where + ".inOff decreases");
    for (size_t k = 0; k < unit.ElementLength(); k++)
      if (unit.Data()[k] < 0 || unit.Data()[k] >= s.cols) throwRange(ck.env, ck.where + ".inUnit has an index out of range");
    ck.finite(coef.Data(), coef.ElementLength(), "inCoef");
    ck.finite(cnst.Data(), cnst.ElementLength(), "inConst");
    s.hasMap = true;
    s.map = AffineMapView{s.logicalIn, off.Data(), unit.Data(), coef.Data(), cnst.Data()};
  } else if (s.logicalIn != s.cols) {
    throwRange(ck.env, ck.where + ": without an input map the op's inputs must be the columns");
  }
  if (!o.Get("rowLogical").IsUndefined()) {
    auto rl = ck.typed<Napi::Int32Array>(o, "rowLogical", napi_int32_array, "Int32Array", s.rows, false);
    const int64_t outputs = s.prim == PrimExplicit ? s.rows : s.op.outSize();
    for (int64_t r = 0; r < s.rows; r++)
      if (rl.Data()[r] < 0 || rl.Data()[r] >= outputs) throwRange(ck.env, ck.where + ".rowLogical has an index out of range");
    s.rowLogical = rl.Data();
  }
  if (!o.Get("rowScale").IsUndefined()) {
    auto a = ck.typed<Napi::Float64Array>(o, "rowScale", napi_float64_array, "Float64Array", s.rows, false);
    ck.finite(a.Data(), s.rows, "rowScale");
    s.rowScale = a.Data();
  }
  if (!o.Get("rowShift").IsUndefined()) {
    auto a = ck.typed<Napi::Float64Array>(o, "rowShift", napi_float64_array, "Float64Array", s.rows, false);
    ck.finite(a.Data(), s.rows, "rowShift");
    s.rowShift = a.Data();
  }
}

// spec.layers: each layer takes the previous one's outputs as its columns.
std::vector<LayerSpec> readLayers(Checker& ck, Napi::Object spec, int64_t inputSize, const std::vector<PlanOp>& ops, const std::vector<Tensor>& tensors) {
  Napi::Value lv = spec.Get("layers");
  if (!lv.IsArray() || lv.As<Napi::Array>().Length() == 0) throwType(ck.env, "Expected a non-empty array for spec.layers");
  Napi::Array larr = lv.As<Napi::Array>();
  std::vector<LayerSpec> layers;
  int64_t width = inputSize;
  for (uint32_t li = 0; li < larr.Length(); li++) {
    ck.where = "spec.layers[" + std::to_string(li) + "]";
    if (!larr.Get(li).IsObject()) throwType(ck.env, "Expected an object for " + ck.where);
    Napi::Object o = larr.Get(li).As<Napi::Object>();
    LayerSpec s;
    s.prim = int(ck.integer(o, "prim", 0, kPrimCount - 1));
    s.rows = ck.integer(o, "rows", 1, 2147483647LL);
    s.cols = ck.integer(o, "cols", 1, 2147483647LL);
    if (s.cols != width) throwRange(ck.env, ck.where + " takes " + std::to_string(s.cols) + " inputs but the previous layer gives " + std::to_string(width));
    s.act = activationFrom(ck.env, o, ck.where.c_str());
    if (s.prim != PrimExplicit)
      readPrimary(ck, o, ops, tensors, s);
    else
      readExplicit(ck, o, s);
    readMaps(ck, o, s);
    if (s.act.code == ActSoftmax && li + 1 != larr.Length()) throwRange(ck.env, ck.where + ": softmax is only allowed on the last layer");
    width = s.rows;
    layers.push_back(s);
  }
  return layers;
}

Napi::Value ConvertBuild(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  expectArgs(info, 3, "convertBuild");
  Napi::Object spec = argObject(info, 0, "spec");
  Napi::Float64Array progress = argFloat64(info, 1, "progress");
  Napi::Int32Array abortFlag = argInt32(info, 2, "abortFlag");
  if (progress.ElementLength() != 2) throwRange(env, "Expected progress to be a Float64Array of length 2");
  if (abortFlag.ElementLength() != 1) throwRange(env, "Expected abortFlag to be an Int32Array of length 1");
  std::vector<Napi::Value> retain{info[0], info[1], info[2]};
  Checker ck{env, retain, "spec"};

  const int64_t inputSize = ck.integer(spec, "inputSize", 1, 2147483647LL);
  const int64_t format = ck.integer(spec, "format", 0, 3);  // dense, csr, rcsr, auto
  const int64_t threads = ck.integer(spec, "threads", 1, kMaxThreads);
  const int64_t maxBytes = ck.integer(spec, "maxBytes", 0, int64_t(1) << 62);
  auto records = ck.typed<Napi::Float64Array>(spec, "records", napi_float64_array, "Float64Array", -1, false);
  if (records.ElementLength() % kRecordSize) throwRange(env, "spec.records length must be a multiple of " + std::to_string(kRecordSize));
  const std::vector<Tensor> tensors = readTensors(ck, spec);
  const std::vector<PlanOp> ops = readOps(ck, records, tensors);
  const std::vector<LayerSpec> layers = readLayers(ck, spec, inputSize, ops, tensors);

  BuildOptions opt;
  opt.format = format == 3 ? MatrixFormat::Rcsr : static_cast<MatrixFormat>(format);
  opt.autoFormat = format == 3;
  opt.threads = resolveThreads(int(threads));
  opt.maxBytes = maxBytes;
  opt.progress = progress.Data();
  opt.abortFlag = abortFlag.Data();
  auto result = std::make_shared<std::shared_ptr<Mlp>>();
  return startJob(
      env, "cnn2mlp.convert",
      // tensors: the layers point into these copies, which must live as long as the job.
      [inputSize, layers, opt, result, tensors] { *result = buildMlp(inputSize, layers, opt); },
      [result](Napi::Env e) -> Napi::Value {
        Napi::Value h = wrapMlp(e, *result);
        result->reset();
        return h;
      },
      retain);
}

Registration r1("convertBuild", ConvertBuild);

}  // namespace
}  // namespace cnn2mlp
