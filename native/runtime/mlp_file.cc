#include "runtime/mlp_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <vector>

#include "core/errors.h"
#include "runtime/memory.h"
#include "runtime/file_writer.h"
#include "runtime/thread_pool.h"
#include "runtime/xxhash64.h"

namespace cnn2mlp {
namespace {

constexpr char kMagic[8] = {'C', 'N', 'N', '2', 'M', 'L', 'P', '\0'};
// Version 1: dense and CSR layers. Version 2 adds run-CSR layers (format 2), version 3 bf16 values
// (value type 1), version 4 stores run-CSR values chunk-interleaved, as the kernels read them
// (kernels/rcsr_kernels.h; versions 2 and 3 keep them in row order, and loading interleaves them
// into memory). A file is written with the lowest version that holds it, so older readers keep
// reading every file they could read before.
constexpr uint32_t kVersion = 4;
constexpr uint32_t kInterleavedRcsrVersion = 4;
// Layer value types: the stored weights' element type.
constexpr uint32_t kValueF32 = 0, kValueBf16 = 1;
constexpr uint64_t kHeaderSize = 128, kEntrySize = 128, kAlign = 64;
constexpr uint64_t kMaxLayers = 1u << 16, kMaxMetadata = 64u << 20;

#pragma pack(push, 1)
struct FileHeader {
  char magic[8];
  uint32_t version;
  uint32_t headerBytes;  // header + layer table
  uint64_t fileBytes;
  uint64_t inputSize, outputSize;
  uint32_t layerCount, flags;
  uint64_t metadataOffset, metadataBytes, metadataHash;
  uint64_t headerHash;  // XXH64 of [0, headerBytes) with this field zero
  uint8_t reserved[48];
};
struct FileLayer {
  uint64_t rows, cols;
  uint32_t format, act;
  float alpha, min, max;
  uint32_t valueType;  // kValueF32 or kValueBf16 (version 3; 0 before)
  uint64_t ld, nnz;  // run-CSR: ld holds the pattern count
  uint64_t biasOffset, valuesOffset, rowPtrOffset, colIdxOffset;
  uint64_t biasHash, valuesHash, rowPtrHash, colIdxHash;
  uint64_t runs;  // run-CSR: the run count (zero otherwise)
};
#pragma pack(pop)
static_assert(sizeof(FileHeader) == kHeaderSize, "header is 128 bytes");
static_assert(sizeof(FileLayer) == kEntrySize, "layer entry is 128 bytes");

uint64_t alignUp(uint64_t v) { return (v + kAlign - 1) / kAlign * kAlign; }

[[noreturn]] void bad(const std::string& path, const std::string& what) { throw CodedError("ERR_BAD_FILE", path + ": " + what); }

// Section byte sizes of a layer (callers have bounded rows/cols/nnz so these cannot overflow).
uint64_t biasBytes(const FileLayer& l) { return l.rows * 4; }
uint64_t valueSize(const FileLayer& l) { return l.valueType == kValueBf16 ? 2 : 4; }
uint64_t valuesBytes(const FileLayer& l) { return (l.format == 0 ? l.rows * l.ld : l.nnz) * valueSize(l); }
uint64_t rowPtrBytes(const FileLayer& l) { return l.format == 0 ? 0 : (l.rows + 1) * 8; }
// CSR: the column indices; run-CSR: its index arrays rowPat [rows], patPtr [ld + 1], runs [2·runs], int32.
uint64_t colIdxBytes(const FileLayer& l) {
  return l.format == 0 ? 0 : l.format == 1 ? l.nnz * 4 : (l.rows + l.ld + 1 + 2 * l.runs) * 4;
}
// The stored weights, fp32 or bf16, whatever the matrix format.
const void* layerValues(const MlpLayer& l) { return l.values16 ? static_cast<const void*>(l.values16) : l.values; }
// The run-CSR index section in one block (the layer keeps the three arrays apart).
std::vector<int32_t> rcsrIndex(const MlpLayer& l) {
  std::vector<int32_t> v(l.rowPat, l.rowPat + l.rows);
  v.insert(v.end(), l.patPtr, l.patPtr + l.patterns + 1);
  v.insert(v.end(), l.runs, l.runs + 2 * l.numRuns);
  return v;
}


struct Mapping {
  void* base = MAP_FAILED;
  size_t size = 0;
  ~Mapping() {
    if (base != MAP_FAILED) ::munmap(base, size);
  }
};

// Fills the header (all but its hashes) and places every section: the metadata, then per layer
// bias, values, rowPtr, colIdx, each 64-byte aligned.
std::vector<FileLayer> layoutFile(const Mlp& mlp, const std::string& metadataJson, FileHeader& h) {
  const uint64_t n = mlp.layers.size();
  std::memcpy(h.magic, kMagic, 8);
  h.version = 1;
  for (const auto& l : mlp.layers)
    h.version = std::max(h.version, l.format == MatrixFormat::Rcsr ? kInterleavedRcsrVersion : l.values16 ? 3u : 1u);
  h.headerBytes = static_cast<uint32_t>(kHeaderSize + n * kEntrySize);
  h.inputSize = uint64_t(mlp.inputSize);
  h.outputSize = uint64_t(mlp.outputSize);
  h.layerCount = static_cast<uint32_t>(n);
  std::vector<FileLayer> table(n);
  uint64_t cursor = alignUp(h.headerBytes);
  h.metadataOffset = cursor;
  h.metadataBytes = metadataJson.size();
  h.metadataHash = xxhash64(metadataJson.data(), metadataJson.size());
  cursor = alignUp(cursor + metadataJson.size());
  auto place = [&](uint64_t bytes) {
    if (bytes == 0) return uint64_t(0);
    uint64_t off = cursor;
    cursor = alignUp(cursor + bytes);
    return off;
  };
  for (uint64_t i = 0; i < n; i++) {
    const MlpLayer& l = mlp.layers[i];
    FileLayer& e = table[i];
    e.rows = uint64_t(l.rows);
    e.cols = uint64_t(l.cols);
    e.format = uint32_t(l.format);
    e.act = uint32_t(l.act.code);
    e.alpha = l.act.alpha;
    e.min = l.act.min;
    e.max = l.act.max;
    e.ld = e.format == 0 ? uint64_t(l.ld) : e.format == 2 ? uint64_t(l.patterns) : 0;
    e.runs = e.format == 2 ? uint64_t(l.numRuns) : 0;
    e.nnz = uint64_t(l.nnz);
    e.valueType = l.values16 ? kValueBf16 : kValueF32;
    e.biasOffset = place(biasBytes(e));
    e.valuesOffset = place(valuesBytes(e));
    e.rowPtrOffset = place(rowPtrBytes(e));
    e.colIdxOffset = place(colIdxBytes(e));
  }
  h.fileBytes = cursor;
  return table;
}

// Hashes the sections in parallel straight from the layer arrays (memory-speed, no copy).
void hashSections(const Mlp& mlp, std::vector<FileLayer>& table) {
  struct Job {
    const void* p;
    uint64_t bytes;
    uint64_t* out;
  };
  std::vector<Job> jobs;
  std::vector<std::vector<int32_t>> index(table.size());
  for (size_t i = 0; i < table.size(); i++) {
    const MlpLayer& l = mlp.layers[i];
    FileLayer& e = table[i];
    jobs.push_back({l.bias, biasBytes(e), &e.biasHash});
    jobs.push_back({layerValues(l), valuesBytes(e), &e.valuesHash});
    if (e.format == 2) index[i] = rcsrIndex(l);
    if (e.format != 0) {
      jobs.push_back({l.rowPtr, rowPtrBytes(e), &e.rowPtrHash});
      jobs.push_back({e.format == 1 ? static_cast<const void*>(l.colIdx) : index[i].data(), colIdxBytes(e), &e.colIdxHash});
    }
  }
  parallelFor(int64_t(jobs.size()), resolveThreads(0), [&](int64_t j, int) { *jobs[j].out = jobs[j].bytes ? xxhash64(jobs[j].p, jobs[j].bytes) : 0; });
}

void writeLayers(FileWriter& w, const Mlp& mlp, const std::vector<FileLayer>& table) {
  for (size_t i = 0; i < table.size(); i++) {
    const MlpLayer& l = mlp.layers[i];
    const FileLayer& e = table[i];
    w.padTo(e.biasOffset);
    w.write(l.bias, biasBytes(e));
    if (valuesBytes(e)) {
      w.padTo(e.valuesOffset);
      w.write(layerValues(l), valuesBytes(e));
    }
    if (e.format != 0) {
      w.padTo(e.rowPtrOffset);
      w.write(l.rowPtr, rowPtrBytes(e));
      if (colIdxBytes(e)) {
        w.padTo(e.colIdxOffset);
        if (e.format == 1) w.write(l.colIdx, colIdxBytes(e));
        else w.write(rcsrIndex(l).data(), colIdxBytes(e));
      }
    }
  }
}

}  // namespace

void saveMlpFile(const Mlp& mlp, const std::string& metadataJson, const std::string& path) {
  const uint64_t n = mlp.layers.size();
  if (n == 0 || n > kMaxLayers) throw CodedError("ERR_INVALID_ARG", "an MLP file holds 1 to 65536 layers");
  if (metadataJson.size() > kMaxMetadata) throw CodedError("ERR_TOO_LARGE", "metadata JSON exceeds 64 MiB");
  FileHeader h{};
  std::vector<FileLayer> table = layoutFile(mlp, metadataJson, h);
  hashSections(mlp, table);
  std::vector<uint8_t> head(h.headerBytes, 0);
  std::memcpy(head.data() + kHeaderSize, table.data(), n * kEntrySize);
  std::memcpy(head.data(), &h, kHeaderSize);
  h.headerHash = xxhash64(head.data(), head.size());
  std::memcpy(head.data(), &h, kHeaderSize);

  FileWriter w(path);
  w.padTo(h.headerBytes);  // placeholder; the real header is written last
  w.padTo(h.metadataOffset);
  w.write(metadataJson.data(), metadataJson.size());
  writeLayers(w, mlp, table);
  w.padTo(h.fileBytes);
  w.finish(head.data(), head.size());
}

namespace {

// Maps `path` read-only; *size receives its length (at least one header).
std::shared_ptr<Mapping> mapFile(const std::string& path, uint64_t* size) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    throw CodedError("ERR_BAD_FILE", "cannot open " + path + ": " + std::strerror(e));
  }
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    bad(path, "not a regular file");
  }
  *size = uint64_t(st.st_size);
  if (*size < kHeaderSize) {
    ::close(fd);
    bad(path, "truncated: " + std::to_string(*size) + " bytes is shorter than the 128-byte header (not a cnn2mlp MLP file?)");
  }
  auto map = std::make_shared<Mapping>();
  map->base = ::mmap(nullptr, size_t(*size), PROT_READ, MAP_PRIVATE, fd, 0);
  map->size = size_t(*size);
  ::close(fd);
  if (map->base == MAP_FAILED) {
    int e = errno;
    throw CodedError("ERR_BAD_FILE", "cannot map " + path + ": " + std::strerror(e));
  }
  return map;
}

// The file as far as its header and layer table go: every field the layers rely on is checked.
struct Loading {
  const std::string& path;
  const uint8_t* base;
  uint64_t size;
  FileHeader h;

  void checkHeader() {
    std::memcpy(&h, base, kHeaderSize);
    if (std::memcmp(h.magic, kMagic, 8) != 0) bad(path, "not a cnn2mlp MLP file (bad magic)");
    if (h.version < 1 || h.version > kVersion)
      throw CodedError(h.version > kVersion ? "ERR_UNSUPPORTED" : "ERR_BAD_FILE", path + ": MLP file version " + std::to_string(h.version) + " is not supported (this build reads versions 1 to 4)");
    if (h.fileBytes != size)
      bad(path, (size < h.fileBytes ? "truncated: the header says " : "wrong length: the header says ") + std::to_string(h.fileBytes) + " bytes but the file has " + std::to_string(size));
    if (h.layerCount < 1 || h.layerCount > kMaxLayers) bad(path, "corrupted header: layer count " + std::to_string(h.layerCount));
    if (h.headerBytes != kHeaderSize + uint64_t(h.layerCount) * kEntrySize || h.headerBytes > size) bad(path, "corrupted header: header size does not match the layer count");
    std::vector<uint8_t> head(base, base + h.headerBytes);
    std::memset(head.data() + offsetof(FileHeader, headerHash), 0, 8);
    if (xxhash64(head.data(), head.size()) != h.headerHash) bad(path, "header checksum mismatch (the header or layer table is corrupted)");
    if (h.flags != 0) bad(path, "corrupted header: unknown flags");
    if (h.metadataBytes > kMaxMetadata) bad(path, "metadata section larger than 64 MiB");
    section(h.metadataOffset, h.metadataBytes, "metadata");
    if (xxhash64(base + (h.metadataBytes ? h.metadataOffset : 0), h.metadataBytes) != h.metadataHash) bad(path, "metadata checksum mismatch");
    if (h.inputSize < 1 || h.inputSize > 0x7fffffffu) bad(path, "corrupted header: input size " + std::to_string(h.inputSize));
  }

  void section(uint64_t off, uint64_t bytes, const std::string& what) const {
    if (bytes == 0) return;
    if (off % kAlign != 0) bad(path, what + " offset " + std::to_string(off) + " is not 64-byte aligned");
    if (off < h.headerBytes || off > size || bytes > size - off) bad(path, what + " lies outside the file (offset " + std::to_string(off) + ", " + std::to_string(bytes) + " bytes)");
  }

  // Checks entry i (taking `width` inputs) against the file and returns the layer over the mapping.
  MlpLayer layer(const FileLayer& e, uint32_t i, uint64_t width, const std::shared_ptr<Mapping>& map) const {
    const std::string at = "layer " + std::to_string(i);
    if (e.rows < 1 || e.rows > 0x7fffffffu || e.cols < 1 || e.cols > 0x7fffffffu) bad(path, at + ": rows/cols out of range");
    if (e.cols != width) bad(path, at + " takes " + std::to_string(e.cols) + " inputs but receives " + std::to_string(width));
    if (e.format > (h.version >= 2 ? 2u : 1u)) bad(path, at + ": unknown matrix format " + std::to_string(e.format));
    if (e.valueType > (h.version >= 3 ? kValueBf16 : kValueF32)) bad(path, at + ": unknown value type " + std::to_string(e.valueType));
    if (e.act >= uint32_t(kActCount) || e.act == uint32_t(ActHardSigmoid) || (e.act == uint32_t(ActSoftmax) && i + 1 != h.layerCount)) bad(path, at + ": bad activation code " + std::to_string(e.act));
    if (!std::isfinite(e.alpha) || !std::isfinite(e.min) || !std::isfinite(e.max)) bad(path, at + ": non-finite activation parameter");
    if (e.format == 0) {
      if (e.ld != uint64_t(denseLd(int64_t(e.cols))) || e.nnz != e.rows * e.cols) bad(path, at + ": dense ld/nnz inconsistent with cols");
      // rows · ld · 4 could reach 2^64 for absurd shapes: bound it by the file size first.
      if (e.rows > size / valueSize(e) / e.ld) bad(path, at + ": a " + std::to_string(e.rows) + " × " + std::to_string(e.cols) + " dense matrix cannot fit in this file");
    } else if ((e.format == 1 && (e.ld != 0 || e.runs != 0)) || e.nnz > (uint64_t(1) << 40) || e.nnz > size / valueSize(e)) {
      bad(path, at + ": sparse nonzero count " + std::to_string(e.nnz) + " is impossible for this file size");
    } else if (e.format == 2 && (e.ld > size / 4 || e.runs > size / 8 || e.ld > 0x7fffffffu || e.runs > 0x7fffffffu)) {
      bad(path, at + ": run-CSR pattern/run counts impossible for this file size");
    }
    // rows < 2^31, rows · ld · valueSize <= size and nnz < 2^40: every size below fits in 64 bits.
    section(e.biasOffset, biasBytes(e), at + " bias");
    section(e.valuesOffset, valuesBytes(e), at + " values");
    section(e.rowPtrOffset, rowPtrBytes(e), at + " rowPtr");
    section(e.colIdxOffset, colIdxBytes(e), at + " colIdx");
    MlpLayer l;
    l.rows = int64_t(e.rows);
    l.cols = int64_t(e.cols);
    l.format = static_cast<MatrixFormat>(e.format);
    l.ld = e.format == 0 ? int64_t(e.ld) : 0;
    l.nnz = int64_t(e.nnz);
    l.act.code = int(e.act);
    l.act.alpha = e.alpha;
    l.act.min = e.min;
    l.act.max = e.max;
    l.bias = reinterpret_cast<const float*>(base + e.biasOffset);
    // An empty section has offset 0; point at the (aligned) mapping start rather than null.
    const uint8_t* values = base + (valuesBytes(e) ? e.valuesOffset : 0);
    if (e.valueType == kValueBf16) l.values16 = reinterpret_cast<const uint16_t*>(values);
    else l.values = reinterpret_cast<const float*>(values);
    if (e.format == 1) {
      l.rowPtr = reinterpret_cast<const int64_t*>(base + e.rowPtrOffset);
      l.colIdx = reinterpret_cast<const int32_t*>(base + (colIdxBytes(e) ? e.colIdxOffset : 0));
    } else if (e.format == 2) {
      l.rowPtr = reinterpret_cast<const int64_t*>(base + e.rowPtrOffset);
      l.rowPat = reinterpret_cast<const int32_t*>(base + e.colIdxOffset);
      l.patPtr = l.rowPat + l.rows;
      l.runs = l.patPtr + e.ld + 1;
      l.patterns = int64_t(e.ld);
      l.numRuns = int64_t(e.runs);
    }
    l.storage.push_back(map);
    return l;
  }
};

struct SectionCheck {
  const void* p;
  uint64_t bytes, hash;
  std::string what;
};

// Checksums (parallel over sections), then the CSR structure and biases, which must hold for
// memory safety and finite outputs whether or not checksums are verified.
void verifyContents(const std::string& path, const Mlp& mlp, const std::vector<SectionCheck>& checks) {
  std::vector<int> failed(checks.size(), 0);
  parallelFor(int64_t(checks.size()), resolveThreads(0), [&](int64_t j, int) {
    const SectionCheck& c = checks[size_t(j)];
    failed[size_t(j)] = (c.bytes ? xxhash64(c.p, c.bytes) : 0) != c.hash;
  });
  for (size_t j = 0; j < checks.size(); j++)
    if (failed[j]) bad(path, checks[j].what + " checksum mismatch (the file is corrupted)");
  for (size_t i = 0; i < mlp.layers.size(); i++) {
    const MlpLayer& l = mlp.layers[i];
    for (int64_t r = 0; r < l.rows; r++)
      if (!std::isfinite(l.bias[r])) bad(path, "layer " + std::to_string(i) + ": non-finite bias");
    if (l.format == MatrixFormat::Csr) {
      std::string why = checkCsr(l.rows, l.cols, l.rowPtr, l.colIdx, l.values, l.nnz);
      if (!why.empty()) bad(path, "layer " + std::to_string(i) + ": bad CSR structure: " + why);
    }
    if (l.format == MatrixFormat::Rcsr) {
      std::string why = checkRcsr(l.rows, l.cols, l.rowPtr, l.rowPat, l.patterns, l.patPtr, l.numRuns, l.runs, l.values, l.nnz);
      if (!why.empty()) bad(path, "layer " + std::to_string(i) + ": bad run-CSR structure: " + why);
    }
    // checkCsr / checkRcsr check fp32 values only; sparse bf16 values are checked here.
    if (l.values16 && l.format != MatrixFormat::Dense)
      for (int64_t j = 0; j < l.nnz; j++)
        if (bf16NonFinite(l.values16[j])) bad(path, "layer " + std::to_string(i) + ": non-finite value at " + std::to_string(j));
  }
  std::string why = mlp.check();
  if (!why.empty()) bad(path, why);
}

// Versions 2 and 3 keep run-CSR values (fp32 or bf16) in row order: copy them into the
// interleaved layout (the structure was checked by verifyContents).
void interleaveRowOrderValues(Mlp& mlp) {
  for (MlpLayer& l : mlp.layers) {
    if (l.format != MatrixFormat::Rcsr || l.nnz == 0) continue;
    auto buf = Buffer::allocate(size_t(l.nnz) * (l.values16 ? 2 : 4), "run-CSR values");
    if (l.values16) {
      rcsrInterleave(l.rows, l.rowPtr, l.rowPat, l.values16, buf->as<uint16_t>());
      l.values16 = buf->as<uint16_t>();
    } else {
      rcsrInterleave(l.rows, l.rowPtr, l.rowPat, l.values, buf->as<float>());
      l.values = buf->as<float>();
    }
    l.storage.push_back(buf);
  }
}

}  // namespace

std::shared_ptr<Mlp> loadMlpFile(const std::string& path, bool verify, std::string* metadataJson) {
  uint64_t size = 0;
  const std::shared_ptr<Mapping> map = mapFile(path, &size);
  Loading f{path, static_cast<const uint8_t*>(map->base), size, {}};
  f.checkHeader();
  const FileHeader& h = f.h;
  metadataJson->assign(reinterpret_cast<const char*>(f.base) + (h.metadataBytes ? h.metadataOffset : 0), h.metadataBytes);

  auto mlp = std::make_shared<Mlp>();
  mlp->inputSize = int64_t(h.inputSize);
  mlp->outputSize = int64_t(h.outputSize);
  std::vector<FileLayer> table(h.layerCount);
  std::memcpy(table.data(), f.base + kHeaderSize, h.layerCount * kEntrySize);
  std::vector<SectionCheck> checks;
  uint64_t width = h.inputSize;
  for (uint32_t i = 0; i < h.layerCount; i++) {
    const FileLayer& e = table[i];
    MlpLayer l = f.layer(e, i, width, map);
    const std::string at = "layer " + std::to_string(i);
    checks.push_back({l.bias, biasBytes(e), e.biasHash, at + " bias"});
    if (verify) {
      checks.push_back({layerValues(l), valuesBytes(e), e.valuesHash, at + " values"});
      if (e.format != 0) {
        checks.push_back({l.rowPtr, rowPtrBytes(e), e.rowPtrHash, at + " rowPtr"});
        checks.push_back({f.base + (colIdxBytes(e) ? e.colIdxOffset : 0), colIdxBytes(e), e.colIdxHash, at + (e.format == 1 ? " colIdx" : " run index")});
      }
    }
    width = e.rows;
    mlp->layers.push_back(std::move(l));
  }
  if (width != h.outputSize) bad(path, "the last layer gives " + std::to_string(width) + " outputs but the header says " + std::to_string(h.outputSize));
  verifyContents(path, *mlp, checks);
  if (h.version < kInterleavedRcsrVersion) interleaveRowOrderValues(*mlp);
  return mlp;
}

}  // namespace cnn2mlp
