// libFuzzer target for the native MLP file loader (runtime/mlp_file.cc: loadMlpFile).
// Not part of the addon (scripts/list-sources.cjs skips native/fuzz/); built by scripts/fuzz-native.sh
// with clang -fsanitize=fuzzer,address,undefined.
//
// Input: byte 0 is a mode, the rest is the file. Mode bit 0 set: recompute the header, metadata
// and every in-bounds section checksum first, so mutations of sizes, offsets, counts and CSR
// arrays reach the structural checks instead of stopping at "checksum mismatch". Bit 1: verify.
// The file is handed over as a memfd (/proc/self/fd/N: a regular file, no disk I/O). A loaded MLP
// is walked end to end (every bias, weight, row pointer and column index read through the layer's
// own sizes), so a size the loader accepted but the mapping does not back is a crash here.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "core/errors.h"
#include "runtime/mlp_file.h"
#include "runtime/xxhash64.h"

using namespace cnn2mlp;

namespace {

// Offsets from docs/mlp-format.md (header 128 bytes, then 128-byte layer entries).
constexpr size_t kHeader = 128, kEntry = 128;
uint64_t rd64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
uint32_t rd32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
void wr64(uint8_t* p, uint64_t v) { std::memcpy(p, &v, 8); }

void fixChecksums(std::vector<uint8_t>& f) {
  if (f.size() < kHeader) return;
  uint8_t* b = f.data();
  const uint64_t size = f.size();
  const uint32_t headerBytes = rd32(b + 12), layers = rd32(b + 40);
  if (uint64_t(headerBytes) != kHeader + uint64_t(layers) * kEntry || headerBytes > size) return;
  auto hashAt = [&](uint64_t off, uint64_t bytes, uint8_t* out) {
    if (bytes == 0 || off > size || bytes > size - off) return;
    wr64(out, xxhash64(b + off, bytes));
  };
  const uint64_t metaOff = rd64(b + 48), metaBytes = rd64(b + 56);
  if (metaBytes == 0) wr64(b + 64, xxhash64(b, 0));
  else hashAt(metaOff, metaBytes, b + 64);
  for (uint32_t i = 0; i < layers; i++) {
    uint8_t* e = b + kHeader + size_t(i) * kEntry;
    const uint64_t rows = rd64(e), format = rd32(e + 16), ld = rd64(e + 40), nnz = rd64(e + 48), runs = rd64(e + 120);
    if (rows > (1ull << 31) || ld > (1ull << 31) || nnz > (1ull << 40) || runs > (1ull << 31)) continue;
    const uint64_t valueSize = rd32(e + 36) == 1 ? 2 : 4;  // value type: 0 fp32, 1 bf16
    const uint64_t bias = rows * 4, values = (format == 0 ? rows * ld : nnz) * valueSize, rowPtr = format == 0 ? 0 : (rows + 1) * 8;
    const uint64_t colIdx = format == 0 ? 0 : format == 1 ? nnz * 4 : (rows + ld + 1 + 2 * runs) * 4;
    hashAt(rd64(e + 56), bias, e + 88);
    hashAt(rd64(e + 64), values, e + 96);
    hashAt(rd64(e + 72), rowPtr, e + 104);
    hashAt(rd64(e + 80), colIdx, e + 112);
  }
  wr64(b + 72, 0);
  wr64(b + 72, xxhash64(b, headerBytes));
}

volatile float sink;

// Weight i of the layer, fp32 or bf16.
float weight(const MlpLayer& l, int64_t i) {
  if (!l.values16) return l.values[i];
  const uint32_t bits = uint32_t(l.values16[i]) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

void walk(const Mlp& m) {
  float s = 0;
  for (const MlpLayer& l : m.layers) {
    for (int64_t r = 0; r < l.rows; r++) s += l.bias[r];
    if (l.format == MatrixFormat::Dense) {
      for (int64_t r = 0; r < l.rows; r++)
        for (int64_t c = 0; c < l.cols; c++) s += weight(l, r * l.ld + c);
    } else if (l.format == MatrixFormat::Csr) {
      for (int64_t r = 0; r < l.rows; r++)
        for (int64_t k = l.rowPtr[r]; k < l.rowPtr[r + 1]; k++) s += weight(l, k) * float(l.colIdx[k] < l.cols);
    } else {  // run-CSR: each row's values against its pattern's runs
      for (int64_t r = 0; r < l.rows; r++) {
        int64_t k = l.rowPtr[r];
        const int32_t p = l.rowPat[r];
        for (int32_t q = l.patPtr[p]; q < l.patPtr[p + 1]; q++)
          for (int32_t i = 0; i < l.runs[2 * q + 1]; i++) s += weight(l, k++) * float(l.runs[2 * q] + i < l.cols);
      }
    }
  }
  sink = s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t mode = data[0];
  std::vector<uint8_t> file(data + 1, data + size);
  if (mode & 1) fixChecksums(file);
  int fd = memfd_create("mlp", MFD_CLOEXEC);
  if (fd < 0) return 0;
  if (!file.empty() && ::write(fd, file.data(), file.size()) != ssize_t(file.size())) {
    ::close(fd);
    return 0;
  }
  const std::string path = "/proc/self/fd/" + std::to_string(fd);
  try {
    std::string meta;
    auto mlp = loadMlpFile(path, (mode & 2) != 0, &meta);
    walk(*mlp);
  } catch (const CodedError&) {
    // The contract: a bad file is a CodedError, nothing else.
  }
  ::close(fd);
  return 0;
}
