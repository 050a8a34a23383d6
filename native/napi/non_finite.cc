// firstNonFinite(x: Float32Array) → index of the first NaN/±Infinity in x, or -1. runCnn and runMlp
// call it (via src/validate.ts checkFinite) before a run when inputs must be finite: a JS loop over
// millions of floats runs unoptimised for the first calls (~30 ns each).
#include <cstdint>

#include "napi/common.h"

namespace cnn2mlp {
namespace {

Napi::Value FirstNonFinite(const Napi::CallbackInfo& info) {
  expectArgs(info, 1, "firstNonFinite");
  Napi::Float32Array x = argFloat32(info, 0, "x");
  const uint32_t* bits = reinterpret_cast<const uint32_t*>(x.Data());
  const size_t n = x.ElementLength();
  constexpr size_t kBlock = 4096;
  for (size_t b = 0; b < n; b += kBlock) {
    const size_t e = b + kBlock < n ? b + kBlock : n;
    uint32_t any = 0;  // branch-free per block (exponent bits all ones) so the compiler vectorises it
    for (size_t i = b; i < e; i++) any |= (bits[i] & 0x7f800000u) == 0x7f800000u;
    if (any)
      for (size_t i = b; i < e; i++)
        if ((bits[i] & 0x7f800000u) == 0x7f800000u) return Napi::Number::New(info.Env(), double(i));
  }
  return Napi::Number::New(info.Env(), -1);
}

Registration r("firstNonFinite", FirstNonFinite);

}  // namespace
}  // namespace cnn2mlp
