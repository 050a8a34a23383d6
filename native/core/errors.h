// The error every layer below napi/ throws: a message and a stable code (see src/errors.ts).
// Plain C++ so runtime/ code and the native fuzz target need no Node headers; napi/common.cc turns
// it into a JS Error carrying `code`. Kernels never throw.
#pragma once
#include <stdexcept>
#include <string>

namespace cnn2mlp {

struct CodedError : std::runtime_error {
  CodedError(const char* code, const std::string& msg) : std::runtime_error(msg), code(code) {}
  const char* code;
};

}  // namespace cnn2mlp
