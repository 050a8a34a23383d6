// The native MLP file (.c2m): a fixed header, a layer table, a JSON metadata section and 64-byte
// aligned weight sections, each with an XXH64 checksum. Format: docs/mlp-format.md.
#pragma once
#include <memory>
#include <string>

#include "runtime/mlp.h"

namespace cnn2mlp {

// Streams `mlp` to `<path>.tmp-<pid>-<rand>` straight from its arrays (no second copy), fsyncs and
// renames it over `path`. Throws CodedError("ERR_BAD_FILE") on I/O failure (the temp file is removed).
void saveMlpFile(const Mlp& mlp, const std::string& metadataJson, const std::string& path);

// Maps `path` read-only (MAP_PRIVATE) and points the layers into the mapping (no copy); the
// mapping is an owner in every layer's storage. Always checks the header, the table (sizes,
// offsets, alignment, overflow, chain consistency), the header/metadata/bias checksums and the CSR
// structure (checkCsr: a bad index would otherwise read out of bounds). verify = true also checks
// every weight section's checksum (a full read of the file). Throws CodedError("ERR_BAD_FILE").
std::shared_ptr<Mlp> loadMlpFile(const std::string& path, bool verify, std::string* metadataJson);

}  // namespace cnn2mlp
