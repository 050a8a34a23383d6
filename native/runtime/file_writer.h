// Writes a file under a temporary name next to it and renames it into place once complete and
// fsynced, so a reader never sees a partial file and a failed write leaves nothing behind.
#pragma once
#include <cstdint>
#include <string>

namespace cnn2mlp {

class FileWriter {
 public:
  // Creates `<path>.tmp-<pid>-<rand>`. Throws CodedError("ERR_BAD_FILE") naming the file.
  explicit FileWriter(const std::string& path);
  // Removes the temporary file unless finish() renamed it.
  ~FileWriter();
  FileWriter(const FileWriter&) = delete;
  FileWriter& operator=(const FileWriter&) = delete;
  // Appends n bytes (in chunks of at most 64 MiB).
  void write(const void* data, uint64_t n);
  // Appends zeros up to file offset `off`.
  void padTo(uint64_t off);
  // Writes `header` (n bytes) at offset 0, fsyncs, renames onto the path and fsyncs the directory.
  void finish(const void* header, uint64_t n);

 private:
  [[noreturn]] void fail(const char* what);
  std::string path_, tmp_;
  int fd_ = -1;
  uint64_t pos_ = 0;
  bool done_ = false;
};

}  // namespace cnn2mlp
